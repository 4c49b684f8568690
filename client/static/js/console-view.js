// The console page's rendering: the booth's state as the server last sent
// it (booth_state, interpretation), the speaker's video and the meters.
// Safe to run at any time: it only reads the page's state, except that
// buildSources records the order the 1…9 keys pick sources in.

import { State } from "./protocol.js";
import { meterPercent } from "./media.js";
import { $, el } from "./ui.js";
import { isLive, langName, me, partnerLive, slotOf, upper } from "./console-booth.js";

export class ConsoleView {
  /** @param {any} ctx the console page's context: page, t */
  constructor(ctx) {
    this.page = ctx.page;
    this.t = ctx.t;
  }

  /** The incoming selector: Auto, Floor, then a relay from each language channel. */
  buildSources() {
    const { page, t } = this;
    if (!page.meeting) return;
    page.sources = ["auto", "floor", ...page.meeting.languages.map((l) => l.code)];
    $("#sources").replaceChildren(...page.sources.map((source, i) => {
      const label = source === "auto" ? t("console.source_auto")
        : source === "floor" ? t("console.source_floor") : langName(page, source);
      return el("button", { class: "source", dataset: { source }, "aria-pressed": "false",
                            lang: source.length <= 3 ? source : null,
                            title: `${label} (${i + 1})` },
        el("span", { class: "live-dot", "aria-hidden": "true" }), label);
    }));
  }

  incomingText(incoming) {
    const t = this.t;
    const lang = upper(incoming.language);
    if (incoming.source === "floor") return lang ? t("console.in_floor", { lang }) : t("console.in_floor_unknown");
    const src = upper(incoming.source);
    if (incoming.steps === 0) return t("console.in_idle_channel", { src, lang: lang || "?" });
    return t(incoming.steps === 1 ? "console.in_relay_one" : "console.in_relay_many",
             { src, steps: incoming.steps });
  }

  renderTitle() {
    const { page, t } = this;
    if (!page.meeting) return;
    const title = page.meeting.title;
    const text = title[page.strings.lang] ?? title.en ?? Object.values(title)[0];
    $("#title").textContent = text;
    document.title = `${text} — ${t("console.title")}`;
  }

  render() {
    const { page, t } = this;
    this.renderTitle();
    const booth = page.booth;
    const joined = page.signalling?.state === State.JOINED && !!booth;
    const interpreters = booth?.interpreters ?? [];
    $("#booth-label").textContent = booth
      ? t("console.booth", { booth: booth.booth, a: upper(booth.a), b: booth.b ? `/${upper(booth.b)}` : "" }) : "";

    // Incoming
    if (!booth) {
      $("#incoming-display").textContent = "—";
      $("#incoming-mode").textContent = "";
      $("#warn-relay").hidden = true;
      $("#warn-floor").hidden = true;
      for (const button of document.querySelectorAll("#sources button")) button.disabled = true;
    } else {
      const incoming = booth.incoming;
      $("#incoming-display").textContent = this.incomingText(incoming);
      $("#incoming-display").dataset.source = incoming.source;
      $("#incoming-mode").textContent = incoming.mode === "auto" ? t("console.source_auto") : t("console.manual");
      const relay = $("#warn-relay");
      relay.hidden = incoming.available;
      relay.textContent = incoming.mode === "auto"
        ? t("console.warn_no_relay", { lang: upper(booth.floor_language) || "?" })
        : incoming.steps === 0 ? t("console.warn_idle_channel", { src: upper(incoming.source) })
          : t("console.warn_relay_broken", { src: upper(incoming.source) });
      const floor = booth.floor_language;
      const understood = !floor || (page.boothInfo?.understands ?? []).includes(floor);
      const warnFloor = $("#warn-floor");
      warnFloor.hidden = understood;
      const hearingFloor = incoming.steps === 0;
      warnFloor.classList.toggle("bad", hearingFloor);
      warnFloor.textContent = t(hearingFloor ? "console.warn_floor" : "console.note_floor", { lang: upper(floor) });
      const pressed = incoming.mode === "auto" ? "auto" : incoming.source;
      const channels = new Map((page.interpretation?.channels ?? []).map((c) => [c.language, c]));
      for (const button of document.querySelectorAll("#sources button")) {
        const source = button.dataset.source;
        button.setAttribute("aria-pressed", String(source === pressed));
        button.disabled = !joined || source === booth.output_language;
        button.classList.toggle("live", !!channels.get(source)?.live);
      }
    }

    // Microphone, on-air light, cough
    const live = isLive(page);
    const onair = $("#onair");
    let state = "off";
    if (!joined) state = "offline";
    else if (live && !booth.signal) state = "nosignal";
    else if (live && booth.cough) state = "cough";
    else if (live) state = "live";
    else if (partnerLive(page)) state = "partner";
    onair.dataset.state = state;
    onair.textContent = t(`console.onair_${state}`);
    document.body.dataset.onair = state;
    const mic = $("#mic");
    mic.disabled = !joined || !page.stream;
    mic.setAttribute("aria-pressed", String(live));
    mic.dataset.state = live ? "on" : partnerLive(page) ? "partner" : "off";
    $("#mic-text").textContent = !page.stream ? t("console.no_mic")
      : live ? t("console.mic_is_on") : partnerLive(page) ? t("console.mic_partner") : t("console.mic_is_off");
    const coughButton = $("#cough");
    coughButton.disabled = !live;
    coughButton.setAttribute("aria-pressed", String(!!(live && (booth.cough || page.coughHeld))));

    // Outputs A/B
    const channels = page.interpretation?.channels ?? [];
    for (const output of ["A", "B"]) {
      const button = $(`#out-${output}`);
      const code = booth ? (output === "A" ? booth.a : booth.b) : null;
      button.hidden = !!booth && !code;
      button.disabled = !joined || !code;
      button.setAttribute("aria-pressed", String(!!booth && booth.output === output));
      const name = button.querySelector(".lang-name");
      name.textContent = code ? langName(page, code) : "";
      name.lang = code ?? "";
      const busy = channels.find((c) => c.language === code && c.live && c.booth !== booth?.booth);
      const refused = page.refused && page.refused.output === output && performance.now() < page.refused.until;
      button.dataset.busy = refused ? "refused" : busy ? "busy" : "";
      const busyText = busy ? t("console.busy", { booth: busy.booth }) : "";
      button.querySelector(".busy").textContent = refused
        ? [t("console.refused"), busyText].filter(Boolean).join(" · ") : busyText;
    }

    // The booth's interpreters
    $("#interpreters").replaceChildren(...interpreters.map((i) => el("li", { class: i.live ? "live" : "" },
      el("span", { class: "dot", "aria-hidden": "true" }),
      i.id === me(page) ? `${i.name} (${t("tile.you")})` : i.name, " — ",
      i.live ? t("console.member_live") : t("console.member_off"))));

    this.renderHandover();
    this.renderChannels();
  }

  renderHandover() {
    const { page, t } = this;
    const booth = page.booth;
    const h = booth?.handover ?? null;
    const live = isLive(page);
    const mine = !!h && h.requester === me(page);
    const liveName = booth?.interpreters.find((i) => i.id === booth.live)?.name ?? "";
    $("#handover-request").hidden = !(partnerLive(page) && !mine);
    $("#handover-accept").hidden = !(live && h);
    $("#handover-decline").hidden = !(live && h);
    $("#handover-cancel").hidden = !mine;
    $("#handover").dataset.state = !h ? "none" : live ? "incoming" : mine ? "waiting" : "other";
    $("#handover-text").textContent = !h ? ""
      : live ? t("console.handover_incoming", { name: h.name })
        : mine ? t("console.handover_waiting", { name: liveName })
          : t("console.handover_other", { name: h.name, live: liveName });
    $("#handover-count").hidden = !h;
    this.renderCountdown();
  }

  renderCountdown() {
    const { page, t } = this;
    const count = $("#handover-count");
    if (!page.booth?.handover) return;
    const seconds = Math.max(0, Math.ceil((page.handoverDeadline - performance.now()) / 1000));
    const text = t("console.handover_countdown", { seconds });
    if (count.textContent !== text) count.textContent = text;
  }

  renderChannels() {
    const { page, t } = this;
    const channels = page.interpretation?.channels ?? [];
    const floor = page.interpretation?.floor_language;
    $("#channels").replaceChildren(
      el("li", { class: "floor" }, t("console.source_floor"), " · ", upper(floor) || "?"),
      ...channels.map((c) => el("li", { class: c.live ? "live" : "" },
        el("span", { class: "dot", "aria-hidden": "true" }),
        el("span", { lang: c.language }, c.name), ` ${upper(c.language)} — `,
        c.live ? t("console.channel_live", { booth: c.booth }) + (c.cough ? ` · ${t("console.cough")}` : "")
          : t("console.channel_floor"))));
  }

  renderVideo() {
    const { page, t } = this;
    const slot = page.slots.find((s) => s.use === "video" && s.kind === "video" && s.participant);
    const track = slot ? page.tracks.get(slot.mid) ?? null : null;
    const video = $("#speaker-video");
    const current = video.srcObject?.getTracks?.()[0] ?? null;
    if (track !== current) video.srcObject = track ? new MediaStream([track]) : null;
    video.closest("figure").classList.toggle("has-video", !!track);
    const who = slot ? page.participants.get(slot.participant) : null;
    $("#speaker-name").textContent = track && who ? who.name : t("console.no_video");
  }

  /** The three meters, every frame from the first call on. */
  meters() {
    const page = this.page;
    const mic = page.micLevel();
    $("#meter-mic").style.width = `${meterPercent(mic)}%`;
    const airborne = isLive(page) && !page.booth.cough && !page.coughHeld;
    $("#meter-output").style.width = `${airborne ? meterPercent(mic) : 0}%`;
    const incoming = slotOf(page, "incoming");
    const level = incoming && page.mixer ? page.mixer.level(incoming.mid) * page.volume / 100 : 0;
    $("#meter-incoming").style.width = `${meterPercent(level)}%`;
    requestAnimationFrame(() => this.meters());
  }
}
