import { diffSuite } from '../helpers/differential.js';

// Checks the differential harness itself: identical replies pass, and a differing reply fails.
diffSuite('harness smoke', (t) => {
  t.case('ping echo get', [['PING'], ['ECHO', 'hello\x00\xff'], ['PING', 'x'], ['GET', 'missing'], ['NOSUCHCMD', 'a']]);
});
