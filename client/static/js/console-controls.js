// The console page's controls: the buttons and the keyboard shortcuts
// (docs/console.md). Actions are requests the server may refuse: the booth's
// new state arrives as booth_state and is rendered from there, not here.

import { $, typingIn, withModifier } from "./ui.js";
import { isLive, me, partnerLive } from "./console-booth.js";

export class ConsoleControls {
  /**
   * Wires the page's controls; call once the page's strings are loaded.
   * @param {any} ctx the console page's context: page, send, render, setVolume, chooseMic
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.page = ctx.page;
    const page = this.page;
    $("#mic").onclick = () => this.toggleMic();
    const coughButton = $("#cough");
    coughButton.addEventListener("pointerdown", (e) => { coughButton.setPointerCapture(e.pointerId); this.cough(true); });
    for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
      coughButton.addEventListener(type, () => this.cough(false));
    }
    coughButton.addEventListener("keydown", (e) => {
      if (e.key === " " || e.key === "Enter") { e.preventDefault(); e.stopPropagation(); if (!e.repeat) this.cough(true); }
    });
    coughButton.addEventListener("keyup", (e) => {
      if (e.key === " " || e.key === "Enter") { e.preventDefault(); this.cough(false); }
    });
    coughButton.addEventListener("blur", () => this.cough(false));
    window.addEventListener("blur", () => this.cough(false));
    for (const button of document.querySelectorAll("#outputs button")) {
      button.onclick = () => this.setOutput(button.dataset.output);
    }
    // The source buttons are rebuilt whenever the meeting or the interface
    // language changes: one listener on their group outlives them.
    $("#sources").addEventListener("click", (e) => {
      const button = e.target.closest("button[data-source]");
      if (button) this.setSource(button.dataset.source);
    });
    $("#handover-request").onclick = () => ctx.send({ type: "handover_request" });
    $("#handover-accept").onclick = () => ctx.send({ type: "handover_accept" });
    $("#handover-decline").onclick = () => this.handoverCancel();
    $("#handover-cancel").onclick = () => this.handoverCancel();
    $("#slow-down").onclick = () => this.slowDown();
    $("#chat-form").onsubmit = (e) => {
      e.preventDefault();
      const text = $("#chat-input").value.trim();
      if (text && ctx.send({ type: "booth_chat", text: text.slice(0, 500) })) $("#chat-input").value = "";
    };
    ctx.setVolume(page.volume);
    $("#volume").oninput = () => ctx.setVolume(Number($("#volume").value));
    $("#mic-select").onchange = () => ctx.chooseMic($("#mic-select").value);
    $("#help-toggle").onclick = () => this.toggleHelp();
    $("#unlock").onclick = () => page.mixer?.resume();
    document.addEventListener("keydown", (e) => this.onKeyDown(e));
    document.addEventListener("keyup", (e) => { if (e.key === "c" || e.key === "C") this.cough(false); });
  }

  // --- actions ----------------------------------------------------------------

  toggleMic() {
    if (!this.page.booth) return;
    this.ctx.send({ type: "console_mic", on: !isLive(this.page) });
  }

  cough(held) {
    const page = this.page;
    if (held === page.coughHeld) return;
    if (held && !isLive(page)) return;
    page.coughHeld = held;
    this.ctx.send({ type: "console_cough", held });
    this.ctx.render();
  }

  setOutput(output) {
    const page = this.page;
    if (!page.booth || (output === "B" && !page.booth.b)) return;
    page.requestedOutput = output;
    this.ctx.send({ type: "console_output", output });
  }

  setSource(source) {
    const page = this.page;
    if (!page.booth || source === page.booth.output_language) return;
    this.ctx.send({ type: "console_incoming", source });
  }

  handoverKey() {
    const page = this.page;
    const h = page.booth?.handover;
    if (isLive(page) && h) this.ctx.send({ type: "handover_accept" });
    else if (partnerLive(page) && !(h && h.requester === me(page))) this.ctx.send({ type: "handover_request" });
  }

  handoverCancel() {
    const page = this.page;
    const h = page.booth?.handover;
    if (h && (isLive(page) || h.requester === me(page))) this.ctx.send({ type: "handover_cancel" });
  }

  slowDown() {
    if (!this.ctx.send({ type: "slow_down" })) return;
    const button = $("#slow-down");
    button.disabled = true;
    setTimeout(() => { button.disabled = false; }, 3000);
  }

  toggleHelp(open) {
    const help = $("#help");
    help.hidden = open === undefined ? !help.hidden : !open;
    $("#help-toggle").setAttribute("aria-expanded", String(!help.hidden));
  }

  // --- keyboard ---------------------------------------------------------------

  onKeyDown(e) {
    const page = this.page;
    const target = e.target;
    const typing = typingIn(target);
    if (e.key === "Escape") {
      if (typing) target.blur();
      else if (!$("#help").hidden) this.toggleHelp(false);
      return;
    }
    if (typing || withModifier(e)) return;
    // Space and arrows keep their own meaning on the control that has the focus.
    const ownsSpace = target instanceof HTMLButtonElement || target instanceof HTMLInputElement;
    const ownsArrows = target instanceof HTMLInputElement;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === "c") { e.preventDefault(); if (!e.repeat) this.cough(true); return; }
    if (e.repeat) return;
    const actions = {
      m: () => this.toggleMic(),
      h: () => this.handoverKey(),
      d: () => this.handoverCancel(),
      a: () => this.setOutput("A"),
      b: () => this.setOutput("B"),
      s: () => this.slowDown(),
      t: () => $("#chat-input").focus(),
      "?": () => this.toggleHelp(),
    };
    if (key === " " && !ownsSpace) actions[" "] = () => this.toggleMic();
    if (key === "ArrowUp" && !ownsArrows) actions.ArrowUp = () => this.ctx.setVolume(page.volume + 5);
    if (key === "ArrowDown" && !ownsArrows) actions.ArrowDown = () => this.ctx.setVolume(page.volume - 5);
    if (/^[1-9]$/.test(key)) actions[key] = () => page.sources[Number(key) - 1] && this.setSource(page.sources[Number(key) - 1]);
    const action = actions[key];
    if (action) { e.preventDefault(); action(); }
  }
}
