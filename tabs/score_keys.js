// Evaluate and long-text tabs: after playing a take, keys 0-5 give it that score.
// The take is the one whose player (or any part of its box) was touched last:
// Gradio's waveform player plays through a media element outside the page, so
// its play events never reach the document. Typing in a text box is left alone.
(() => {
  const SLOTS = "[id^=evaluate_slot_], [id^=long_text_part_]";
  let scoreBox = null;  // the score radio group of the take touched last
  document.addEventListener("pointerdown", (event) => {
    const slot = event.target.closest && event.target.closest(SLOTS);
    if (slot) scoreBox = slot.querySelector("[id^=evaluate_score_], [id^=long_text_score_]");
  }, true);
  document.addEventListener("keydown", (event) => {
    if (!scoreBox || !/^[0-5]$/.test(event.key) || event.ctrlKey || event.metaKey || event.altKey) return;
    const typing = event.target.closest &&
      event.target.closest("textarea, [contenteditable=true], input:not([type=radio]):not([type=checkbox]):not([type=range])");
    if (typing || !scoreBox.isConnected || !scoreBox.offsetParent) return;
    const label = [...scoreBox.querySelectorAll("label")].find((l) => l.textContent.trim() === event.key);
    if (label) {
      label.click();
      event.preventDefault();
    }
  });
})();
