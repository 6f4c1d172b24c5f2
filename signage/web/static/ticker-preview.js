/* Content previews: scrolling text moves as the boards move it.
 *
 * Each canvas.ticker-preview carries its rendition's ticker (the same figures the manifest gives
 * players: row y, speed_px_s, strip_width). s seconds after the preview started, the strip is
 * pasted at x = -(floor(s * speed_px_s) mod strip_width) and every strip width to its right,
 * over the still (black behind the band): the arithmetic of players/web/render.js and the Python
 * player, so the preview shows what the board shows. With prefers-reduced-motion the still and
 * its "scrolling text" note stay until the person presses Play.
 */
(function () {
  "use strict";

  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function loaded(url) {
    var img = new Image();
    img.src = url;
    return img.decode().then(function () { return img; });
  }

  function offsetAt(ms, spec) {
    return Math.floor((Math.max(0, ms) / 1000) * spec.speed) % spec.stripWidth;
  }

  function setUp(canvas) {
    var spec = {
      y: Number(canvas.dataset.y),
      speed: Number(canvas.dataset.speed),
      stripWidth: Number(canvas.dataset.stripWidth)
    };
    if (!(spec.speed > 0 && spec.stripWidth > 0 && spec.y >= 0)) return;
    var figure = canvas.closest("figure");
    var button = figure && figure.querySelector(".ticker-toggle");
    var state = { playing: false, raf: 0, elapsed: 0, since: 0, offset: -1 };

    function draw(ms) {
      var offset = offsetAt(ms, spec);
      if (offset === state.offset) return;
      var ctx = canvas.getContext("2d");
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(state.still, 0, 0);
      ctx.fillStyle = "#000";
      ctx.fillRect(0, spec.y, canvas.width, state.strip.naturalHeight);
      for (var x = -offset; x < canvas.width; x += state.strip.naturalWidth) ctx.drawImage(state.strip, x, spec.y);
      state.offset = offset;
      canvas.dataset.offset = String(offset); // read by the browser test with data-ms
      canvas.dataset.ms = String(ms);
    }

    function frame(now) {
      if (!state.playing) return;
      draw(state.elapsed + (now - state.since));
      state.raf = requestAnimationFrame(frame);
    }

    function play(on) {
      if (on === state.playing) return;
      var now = performance.now();
      if (on) {
        state.since = now;
        state.raf = requestAnimationFrame(frame);
      } else {
        state.elapsed += now - state.since;
        cancelAnimationFrame(state.raf);
      }
      state.playing = on;
      canvas.dataset.playing = on ? "1" : "0";
      if (button) {
        button.textContent = on ? button.dataset.pause : button.dataset.play;
        button.setAttribute("aria-pressed", on ? "true" : "false");
      }
    }

    Promise.all([loaded(canvas.dataset.still), loaded(canvas.dataset.strip)]).then(function (pictures) {
      state.still = pictures[0];
      state.strip = pictures[1];
      if (state.strip.naturalWidth !== spec.stripWidth) throw new Error("strip width differs from the rendition");
      draw(0);
      canvas.dataset.playing = "0";
      canvas.hidden = false;
      if (button) {
        button.hidden = false;
        button.addEventListener("click", function () { play(!state.playing); });
      }
      play(!reduced);
    }).catch(function (e) {
      console.warn("ticker preview shown as its still:", e); // the <img> below stays visible
    });
  }

  document.querySelectorAll("canvas.ticker-preview").forEach(setUp);
})();
