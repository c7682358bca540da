/**
 * One time snapshot per top-level command (Redis's cached command time): a transaction's queued
 * commands and a script's calls all judge expiry at the time their top-level command started.
 * DEBUG SLEEP inside makes time pass in between, on both servers.
 */
import { diffSuite } from '../helpers/differential.js';

diffSuite(
  'time: one snapshot per top-level command',
  (t) => {
    t.case('a transaction sees one "now": a key expiring inside it is still there at its end', [
      ['MULTI'],
      ['SET', 'k', 'v', 'PX', '5'],
      ['DEBUG', 'SLEEP', '0.02'],
      ['GET', 'k'],
      ['EXISTS', 'k'],
      ['EXEC'],
      ['DEBUG', 'SLEEP', '0.01'],
      ['GET', 'k'],
    ]);
    t.case('a script sees the time it started', [
      // A busy loop of some tens of milliseconds outlives the 5 ms expiry.
      ['EVAL', "redis.call('set', 'k', 'v', 'px', 5) local n = 0 while n < 3000000 do n = n + 1 end return {redis.call('exists', 'k'), redis.call('get', 'k')}", '0'],
      ['DEBUG', 'SLEEP', '0.01'],
      ['EXISTS', 'k'],
    ]);
  },
  { config: { 'enable-debug-command': 'yes' } },
);
