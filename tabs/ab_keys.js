// Blind A/B tab: ← A better, → B better, space "same"; keys A and B play that take again.
// Only while the tab is on screen and no text box has the focus. Space is also swallowed on
// key-up, else a button still focused from a mouse click would answer a second time.
(() => {
  const ANSWERS = {ArrowLeft: "ab_choose_a", ArrowRight: "ab_choose_b", " ": "ab_choose_tie"};
  const REPLAYS = {a: "a", b: "b"};
  const onScreen = () => {
    const button = document.getElementById("ab_choose_a");
    return button && button.isConnected && button.offsetParent;
  };
  const typing = (event) => event.target.closest &&
    event.target.closest("textarea, select, [contenteditable=true], input:not([type=radio]):not([type=checkbox]):not([type=range])");
  const ours = (event) => onScreen() && !typing(event) && !event.ctrlKey && !event.metaKey && !event.altKey;
  function replay(side) {
    const box = document.getElementById(`ab_audio_${side}`);
    const media = box && box.querySelector("audio");
    const button = box && box.querySelector("button.play-pause-button");
    if (media && !media.paused) media.currentTime = 0;  // already playing: back to the start
    else if (button) button.click();
  }
  document.addEventListener("keydown", (event) => {
    if (!ours(event)) return;
    const answer = ANSWERS[event.key];
    const side = REPLAYS[event.key.toLowerCase()];
    if (!answer && !side) return;
    event.preventDefault();
    if (event.repeat) return;  // a held key answers once
    if (answer) {
      if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
      document.getElementById(answer).click();
    } else {
      replay(side);
    }
  }, true);
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && ours(event)) event.preventDefault();
  }, true);
})();
