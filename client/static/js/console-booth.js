// What the console page reads off its state: who this interpreter is, who in
// the booth is on air, and names for languages and media slots. Pure
// functions of the page's state (window.silkhall), shared by the page, its
// controls and its rendering, so all three agree on "live".

export const me = (page) => page.you?.id ?? null;
export const isLive = (page) => !!page.booth && page.booth.live === me(page);
export const partnerLive = (page) => !!page.booth?.live && !isLive(page);
export const upper = (code) => (code ?? "").toUpperCase();
export const langName = (page, code) =>
  page.meeting?.languages.find((l) => l.code === code)?.name ?? upper(code);
export const slotOf = (page, use) => page.slots.find((s) => s.use === use);
