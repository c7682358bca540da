/**
 * LOLWUT, differential against redis-server 7.0. Redis 7.0's own LOLWUT is the version line alone;
 * VERSION 5 (Schotter) and VERSION 6 (skyline) draw random art. Where the art does not depend on
 * random numbers (Schotter with at most two rows of squares, a skyline one row tall) the replies
 * are compared byte for byte; otherwise by shape: reply type, number of lines, characters per
 * line, the caption, and the parts drawn before any random number is used.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diffSuite, RawConnection, type Step } from '../helpers/differential.js';

const RESPS: Array<2 | 3> = [2, 3];

const SCHOTTER_CAPTION = '\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n';
const SKYLINE_CAPTION =
  '\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n';

/** The text of a verbatim (RESP3) or bulk (RESP2) reply, after checking which of the two it is. */
function verbatimText(reply: Buffer, resp: 2 | 3): string {
  const s = reply.latin1Slice();
  const cr = s.indexOf('\r\n');
  assert.equal(s[0], resp === 3 ? '=' : '$', 'reply type');
  const body = s.slice(cr + 2, s.length - 2);
  assert.equal(body.length, Number(s.slice(1, cr)), 'declared length');
  if (resp === 3) {
    assert.equal(body.slice(0, 4), 'txt:');
    return body.slice(4);
  }
  return body;
}

/** Splits Schotter's reply into its rows of Braille characters (3 bytes each) and checks the caption. */
function schotterRows(text: string): string[] {
  assert.ok(text.endsWith(SCHOTTER_CAPTION), 'caption');
  const art = text.slice(0, text.length - SCHOTTER_CAPTION.length);
  return art.split('\n');
}

/** The pixel cells of a skyline row: each is one of the four grey escape sequences around a space. */
const CELL = /\x1b\[0;(?:30;40|90;100|37;47|97;107)m \x1b\[0m/g;

function skylineRows(text: string): string[][] {
  assert.ok(text.endsWith(SKYLINE_CAPTION), 'caption');
  return text
    .slice(0, text.length - SKYLINE_CAPTION.length)
    .split('\n')
    .map((row) => {
      const cells = row.match(CELL) ?? [];
      assert.equal(cells.join(''), row, 'a row is made of grey cells only');
      return cells;
    });
}

/** Schotter's expected shape: canvas of cols*2 x height pixels, as Redis sizes it in C floats. */
function schotterShape(cols: number, perRow: number, perCol: number): { lines: number; blankLast: boolean } {
  const f = Math.fround;
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f(f(width - padding * 2) / perRow);
  const height = Math.trunc(f(f(side * perCol) + padding * 2));
  const lines = Math.ceil(height / 4);
  // A row of characters ends with a newline unless it starts on the last pixel row.
  return { lines, blankLast: (height - 1) % 4 !== 0 };
}

diffSuite('lolwut: LOLWUT', (t) => {
  t.case('Redis 7.0 has no art of its own: the version line', [
    ['LOLWUT'],
    ['lolwut'],
    ['LOLWUT', '10', '20'],
    ['LOLWUT', 'VERSION'],
    ['LOLWUT', 'nosuch', '5'],
    ['LOLWUT', 'VERSION', '7'],
    ['LOLWUT', 'VERSION', '0'],
    ['LOLWUT', 'VERSION', '1'],
    ['LOLWUT', 'VERSION', '4'],
    ['LOLWUT', 'VERSION', '-1'],
    ['LOLWUT', 'VERSION', '59'],
    ['LOLWUT', 'VERSION', '9223372036854775807'],
  ]);
  t.case('argument errors', [
    ['LOLWUT', 'VERSION', 'abc'],
    ['LOLWUT', 'VERSION', '5.0'],
    ['LOLWUT', 'VERSION', '9223372036854775808'],
    ['LOLWUT', 'VERSION', ''],
    ['LOLWUT', 'VERSION', '5', 'x'],
    ['LOLWUT', 'VERSION', '5', '10', 'x'],
    ['LOLWUT', 'VERSION', '5', '10', '2', 'x'],
    ['LOLWUT', 'VERSION', '5', '99999999999999999999'],
    ['LOLWUT', 'VERSION', '6', 'x'],
    ['LOLWUT', 'VERSION', '6', '10', 'x'],
  ]);
  // Up to two rows of squares nothing is random: the whole drawing must match.
  const deterministic: Step[] = [];
  for (const [cols, perRow, perCol] of [
    [66, 8, 1],
    [66, 8, 2],
    [1, 1, 1],
    [2, 1, 2],
    [3, 1, 1],
    [3, 2, 2],
    [5, 3, 2],
    [10, 3, 1],
    [17, 4, 2],
    [33, 7, 2],
    [40, 13, 2],
    [80, 20, 1],
    [99, 9, 2],
    [1, 200, 1],
    [150, 37, 2],
    [200, 199, 2],
    [500, 64, 2],
  ]) {
    deterministic.push(['LOLWUT', 'VERSION', '5', String(cols), String(perRow), String(perCol)]);
  }
  t.case('VERSION 5 with one or two rows of squares, exactly', deterministic);
  t.case('VERSION 5 limits: at least 1, at most 1000 columns and 200 squares', [
    ['LOLWUT', 'VERSION', '5', '0', '0', '0'],
    ['LOLWUT', 'VERSION', '5', '-5', '-1', '-9'],
    ['LOLWUT', 'VERSION', '5', '5', '300', '1'],
    ['LOLWUT', 'VERSION', '5', '2000', '1', '1'],
    ['LOLWUT', 'VERSION', '5', '3', '1', '1', 'extra', 'ignored'],
    ['lolwut', 'version', '5', '4', '2', '2'],
  ]);
  t.case('the version is read as C reads "%u": modulo 2^32', [
    ['LOLWUT', 'VERSION', '4294967301', '10', '3', '1'],
    ['LOLWUT', 'VERSION', '-4294967291', '10', '3', '1'],
    ['LOLWUT', 'VERSION', '4294967302', '7', '1'],
    ['LOLWUT', 'VERSION', '4294967296'],
  ]);
  t.case('VERSION 6 one row tall has no buildings: all white, exactly', [
    ['LOLWUT', 'VERSION', '6', '1', '1'],
    ['LOLWUT', 'VERSION', '6', '0', '0'],
    ['LOLWUT', 'VERSION', '6', '80', '1'],
    ['LOLWUT', 'VERSION', '6', '5000', '-3'],
  ]);

  for (const resp of RESPS) {
    it(`VERSION 5 random drawings have Redis's shape [RESP${resp}]`, async () => {
      const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
      try {
        if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
        for (const [args, dims] of [
          [[], [66, 8, 12]],
          [['40'], [40, 8, 12]],
          [['30', '5', '7'], [30, 5, 7]],
          [['120', '3', '3'], [120, 3, 3]],
        ] as Array<[string[], [number, number, number]]>) {
          const argv = ['LOLWUT', 'VERSION', '5', ...args];
          const theirs = schotterRows(verbatimText(await r.command(argv), resp));
          const ours = schotterRows(verbatimText(await c.command(argv), resp));
          const shape = schotterShape(...dims);
          for (const rows of [theirs, ours]) {
            assert.equal(rows.length, shape.lines + (shape.blankLast ? 1 : 0), `${argv.join(' ')}: lines`);
            if (shape.blankLast) assert.equal(rows.pop(), '', 'the art ends with a newline before the caption');
            for (const row of rows) assert.equal(row.length, dims[0] * 3, `${argv.join(' ')}: characters per line`);
          }
          // The top row of squares is drawn before any random number: its first line is Redis's.
          assert.equal(ours[0], theirs[0], `${argv.join(' ')}: first line`);
        }
      } finally {
        r.close();
        c.close();
      }
    });
    it(`VERSION 6 random skylines have Redis's shape [RESP${resp}]`, async () => {
      const [r, c] = await Promise.all([RawConnection.connect(t.ports.redis), RawConnection.connect(t.ports.cinder)]);
      try {
        if (resp === 3) await Promise.all([r.command(['HELLO', '3']), c.command(['HELLO', '3'])]);
        for (const [args, cols, rowCount] of [
          [[], 80, 20],
          [['33'], 33, 20],
          [['50', '12'], 50, 12],
          [['7', '40'], 7, 40],
        ] as Array<[string[], number, number]>) {
          const argv = ['LOLWUT', 'VERSION', '6', ...args];
          for (const reply of [await r.command(argv), await c.command(argv)]) {
            const rows = skylineRows(verbatimText(reply, resp));
            assert.equal(rows.length, rowCount, `${argv.join(' ')}: rows`);
            for (const row of rows) assert.equal(row.length, cols, `${argv.join(' ')}: cells per row`);
            // No building is taller than the canvas allows, so the top row is sky (white).
            assert.ok(
              rows[0].every((cell) => cell.includes('97;107')),
              `${argv.join(' ')}: the top row is sky`,
            );
          }
        }
      } finally {
        r.close();
        c.close();
      }
    });
  }
});
