// The delegate page before joining: a preview of the camera, a level meter
// for the microphone, and the choice of devices.

import { listDevices, meterPercent, openLocalMedia, trackMeter } from "./media.js";
import { $, el } from "./ui.js";

/**
 * Open the chosen devices (the defaults at first) as page.stream and show
 * them. A refused or missing device leaves an empty stream: the delegate can
 * still join to listen.
 * @param {any} page the delegate page's state
 */
export async function preview(page, choice = {}) {
  try {
    page.stream?.getTracks().forEach((t) => t.stop());
    page.stream = await openLocalMedia(choice);
  } catch (err) {
    $("#join-error").textContent = page.strings.t("error.generic", { message: err.message });
    page.stream = new MediaStream();
  }
  $("#preview").srcObject = page.stream;
  const devices = await listDevices().catch(() => ({ audio: [], video: [] }));
  const mic = page.stream.getAudioTracks()[0];
  const cam = page.stream.getVideoTracks()[0];
  fillDevices($("#mic-select"), devices.audio, mic);
  fillDevices($("#cam-select"), devices.video, cam, page.strings.t("join.no_camera"));
  $("#mic-select").onchange = () => preview(page, currentChoice());
  $("#cam-select").onchange = () => preview(page, currentChoice());
  if (mic) {
    const ctx = new AudioContext();
    const level = trackMeter(ctx, mic);
    const meter = $("#preview-meter");
    const tick = () => {
      meter.style.width = `${meterPercent(level())}%`;
      if (!$("#prejoin").hidden) requestAnimationFrame(tick);
    };
    tick();
  }
}

/** Redraw what the device lists say themselves (a change of interface language). */
export function relabelDevices(page) {
  const none = $("#cam-select option[value='none']");
  if (none) none.textContent = page.strings.t("join.no_camera");
}

function currentChoice() {
  const videoId = $("#cam-select").value;
  return { audioId: $("#mic-select").value || undefined,
           videoId: videoId && videoId !== "none" ? videoId : undefined,
           video: videoId !== "none" };
}

function fillDevices(select, devices, active, noneLabel) {
  const options = devices.map((d, i) => el("option", {
    value: d.deviceId, selected: active && active.getSettings().deviceId === d.deviceId,
  }, d.label || `${d.kind} ${i + 1}`));
  if (noneLabel) options.push(el("option", { value: "none", selected: !active }, noneLabel));
  select.replaceChildren(...options);
}
