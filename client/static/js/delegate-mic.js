// The delegate's own microphone and camera: the buttons, the M key, and in
// a moderated meeting the chair's floor opening and closing the microphone.

import { $, typingIn, withModifier } from "./ui.js";

/** @param {any} page the delegate page's state */
export function setupMicCamera(page) {
  $("#mic").onclick = () => setMic(page, !page.micOn, true);
  $("#camera").onclick = () => setCamera(page, !page.cameraOn, true);
  document.addEventListener("keydown", (event) => {
    // An M typed in a field, on the "original" slider or with a modifier is
    // not meant for the microphone, and a held key must not flicker it.
    if (typingIn(event.target) || event.target instanceof HTMLInputElement) return;
    if (withModifier(event) || event.repeat) return;
    if (event.key === "m" || event.key === "M") setMic(page, !page.micOn, true);
  });
}

/** `announce: false` only redraws (a change of interface language). */
export function setMic(page, on, announce) {
  page.micOn = on;
  const track = page.stream.getAudioTracks()[0];
  if (track) track.enabled = on;
  const button = $("#mic");
  button.setAttribute("aria-pressed", String(on));
  button.setAttribute("aria-label", page.strings.t(on ? "control.mic_on" : "control.mic_off"));
  button.classList.toggle("off", !on);
  if (announce !== false) sendMedia(page);
}

export function setCamera(page, on, announce) {
  const track = page.stream.getVideoTracks()[0];
  page.cameraOn = on && !!track;
  if (track) track.enabled = page.cameraOn;
  const button = $("#camera");
  button.setAttribute("aria-pressed", String(page.cameraOn));
  button.setAttribute("aria-label",
                      page.strings.t(page.cameraOn ? "control.camera_on" : "control.camera_off"));
  button.classList.toggle("off", !page.cameraOn);
  button.disabled = !track;
  if (announce !== false) sendMedia(page);
}

function sendMedia(page) {
  page.signalling?.send({ type: "media", mic: page.micOn, camera: page.cameraOn });
}

/**
 * In a moderated meeting the chair opens delegates' microphones: given the
 * floor, ours opens; when the floor is taken back (or moderation begins), it
 * closes.
 */
export function onModeration(page, message) {
  const wasModerated = page.moderation?.moderated ?? false;
  const wasGranted = page.granted;
  page.side.onModeration(message);
  page.granted = message.granted.some((g) => g.participant === page.you?.id);
  if (page.granted && !wasGranted) {
    setMic(page, true);
  } else if (!page.granted && wasGranted) {
    setMic(page, false);
  } else if (message.moderated && !wasModerated && !page.granted && page.micOn
             && page.you?.role === "delegate") {
    setMic(page, false);
  }
}
