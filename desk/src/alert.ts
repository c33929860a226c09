// The desk rings on every alert the server raises (ListEvent.alert), never on a silent refresh: a tone with Web
// Audio, a system notification when the agent allowed them, and a banner in the page.
import { ListAlert } from "@pullrouting/client/web";

export const ALERT_TEXT: Record<ListAlert, string> = {
  [ListAlert.UNSPECIFIED]: "",
  [ListAlert.NEW_REQUEST]: "New request",
  [ListAlert.UNREAD_REMINDER]: "Still unread",
  [ListAlert.FOLLOW_UP]: "The customer wrote again",
  [ListAlert.NO_REPLY]: "The customer waits for an answer",
  [ListAlert.RELEASED]: "Released: needs somebody again",
  [ListAlert.TRANSFERRED]: "Transferred to your List",
};

let audio: AudioContext | undefined;

/** Browsers let a page make sound only after the person used it: the desk calls this on the first key or click. */
export function unlockSound(): void {
  audio ??= new AudioContext();
  if (audio.state === "suspended") void audio.resume();
}

function tone(): void {
  if (!audio || audio.state !== "running") return;
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  oscillator.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
  oscillator.connect(gain).connect(audio.destination);
  oscillator.start();
  oscillator.stop(audio.currentTime + 0.4);
}

export function ring(title: string, body: string): void {
  tone();
  if ("Notification" in window && Notification.permission === "granted" && document.visibilityState !== "visible") {
    new Notification(title, { body, tag: "pullrouting-alert" });
  }
}
