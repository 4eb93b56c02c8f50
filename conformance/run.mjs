// Runs every scenario against one client library: `node run.mjs <library>`, where <library> is
// a file in libraries/. Settings come from the environment (see lib/harness.mjs). On stdout:
// first a CONFORMANCE-PLAN line naming every scenario, then one CONFORMANCE-RESULT line per
// scenario (pass, fail or unsupported, with the reason); the process exits 0 once every
// scenario has reported, whatever the outcomes: the driver judges them.

import { Definite, Receiver, World, describe, plan, report, settings, withTimeout } from './lib/harness.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';

const SCENARIO_TIMEOUT_MS = 20_000;

const id = process.argv[2];
if (!id || !/^[a-z0-9-]+$/.test(id)) {
  console.error('usage: node run.mjs <library> (a file name in libraries/ without .mjs)');
  process.exit(2);
}

const cfg = settings();
const adapter = await import(`./libraries/${id}.mjs`);
const scenarios = SCENARIOS.filter((s) => !cfg.only || cfg.only.has(s.name));
plan(adapter.name, scenarios.map((s) => s.name));

const lib = adapter.create(cfg);
const world = new World(cfg);

let receiver = null;
if (typeof lib.webhook === 'function') {
  receiver = new Receiver((raw, headers) => lib.webhook(raw, headers));
  const url = await receiver.start();
  await world.registerWebhook(url);
}

const ctx = { lib, world, receiver, cfg };
for (const scenario of scenarios) {
  const missing = scenario.needs.filter((op) => typeof lib[op] !== 'function');
  if (missing.length) {
    report(adapter.name, scenario.name, 'unsupported', `${adapter.name} has no API for: ${missing.join(', ')}`, 0);
    continue;
  }
  const started = Date.now();
  try {
    await withTimeout(SCENARIO_TIMEOUT_MS, () => scenario.run(ctx));
    report(adapter.name, scenario.name, 'pass', '', Date.now() - started);
  } catch (e) {
    const kind = e instanceof Definite ? '' : `${e?.name ?? 'Error'}: `;
    report(adapter.name, scenario.name, 'fail', kind + describe(e), Date.now() - started);
  }
}

await receiver?.close();
// Libraries may keep sockets alive (keep-alive agents); every scenario has reported, so leave now.
process.exit(0);
