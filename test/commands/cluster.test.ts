/** ASKING, READONLY, READWRITE on a standalone server, against redis-server 7.0 (RESP2 and RESP3). */
import { diffSuite } from '../helpers/differential.js';

diffSuite('cluster connection commands on a standalone server', (t) => {
  t.case('answers and arity', [
    ['ASKING'],
    ['READONLY'],
    ['READWRITE'],
    ['ASKING', 'x'],
    ['READONLY', 'x'],
    ['MULTI'],
    ['READONLY'],
    ['EXEC'],
    ['EVAL', "return redis.pcall('READWRITE')", '0'],
  ]);
  t.case('COMMAND INFO', [
    ['COMMAND', 'INFO', 'asking', 'readonly', 'readwrite'],
  ]);
});
