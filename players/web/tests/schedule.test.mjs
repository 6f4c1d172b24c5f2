// The golden manifests (tests/players/golden/*.json) through schedule.js: the browser player
// must air what the Python player airs (tests/players/test_golden.py runs the same files).
// Run: node --test players/web/tests/
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import { Turns, airingAt, iso, takeoverAt, validAlert } from "../schedule.js";

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, "..", "..", "..", "tests", "players", "golden");
const files = readdirSync(GOLDEN).filter((f) => f.endsWith(".json")).sort();

const at = (ms) => (ms === null ? null : iso(ms));

test("the golden files are there", () => {
  assert.ok(files.length >= 7, `only ${files.length} golden files in ${GOLDEN}`);
});

for (const file of files) {
  const golden = JSON.parse(readFileSync(join(GOLDEN, file), "utf-8"));
  test(`${file}: ${golden.description}`, () => {
    const doc = golden.manifest ? golden.manifest.manifest : null;
    const alerts = (golden.alerts || []).filter(validAlert);
    const turns = new Turns();
    turns.mark(alerts.map((a) => a.id)); // the `state` list: every alert is new
    for (const c of golden.cases) { // in order: alert turns depend on the frames before
      const t = Date.parse(c.at);
      const a = airingAt(doc, t);
      const shown = takeoverAt(turns, alerts, t, (c.mono || 0) * 1000, golden.profile || "");
      const answer = {
        kind: a.kind,
        item: a.entry ? a.entry.item : null,
        source: a.source,
        started: at(a.started),
        until: at(a.until),
        alert: shown ? shown.id : null,
      };
      const expected = Object.fromEntries(Object.keys(answer).map((k) => [k, c[k]]));
      assert.deepEqual(answer, expected, `${c.at}: ${c.why || ""}`);
    }
  });
}

test("schedule.js is pure: no DOM, window or clock", () => {
  const code = readFileSync(join(here, "..", "schedule.js"), "utf-8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
  for (const word of ["document", "window", "Date.now", "new Date()", "localStorage", "performance", "import "]) {
    assert.ok(!code.includes(word), `schedule.js uses ${word}`);
  }
});
