import { arg, type CommandSpec } from '../server/command-spec.js';
import type { Client } from '../server/client.js';
import { int64OrThrow, intOrThrow, isOption } from './args.js';
import { REDIS_VERSION } from '../util/version.js';

/**
 * LOLWUT (lolwut.c, lolwut5.c, lolwut6.c in Redis 7.0): computer art plus the version line.
 * `LOLWUT` alone answers for our own version, 7.0.x, which has no art of its own: just the version
 * line. `LOLWUT VERSION 5 ...` draws Georg Nees's Schotter in Braille characters, `VERSION 6` a
 * skyline in terminal colours; any other version gets the plain line. The drawings use C's float
 * arithmetic (Math.fround) so the parts that do not depend on random numbers (Schotter's first
 * two rows of squares, an empty skyline) come out pixel for pixel as Redis's.
 */

// ---------------------------------------------------------------- canvas

class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  /** Drawing outside the canvas is ignored. */
  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }

  /** Outside the canvas reads as colour 0. */
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }

  /** Bresenham's line from (x1, y1) to (x2, y2), both ends included. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /**
   * A square centred on (x, y), rotated by `angle`: its corners lie on the circle through them,
   * starting at 45 degrees. `size` and `angle` are C floats; the corner arithmetic is in doubles.
   */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    const radius = cRound(f32(size / 1.4142135623));
    const px: number[] = [];
    const py: number[] = [];
    let k = f32(Math.PI / 4 + angle);
    for (let j = 0; j < 4; j++) {
      px.push(cRound(Math.sin(k) * radius + x));
      py.push(cRound(Math.cos(k) * radius + y));
      k = f32(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

const f32 = Math.fround;

/** C's round(): halves away from zero. */
function cRound(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

const RAND_MAX = 2147483647;

/** C's rand(): 0..RAND_MAX (the art is random in Redis too; no seed to match). */
function rand(): number {
  return Math.floor(Math.random() * (RAND_MAX + 1));
}

/** Clamps a parsed C long to [lo, hi]. */
function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

// ---------------------------------------------------------------- version 5: Schotter

function drawSchotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f32(f32(width - padding * 2) / perRow);
  const height = Math.trunc(f32(f32(side * perCol) + padding * 2));
  const canvas = new Canvas(width, height, 0);
  const half = f32(side / 2);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(f32(f32(f32(x * side) + half) + padding));
      let sy = Math.trunc(f32(f32(f32(y * side) + half) + padding));
      let angle = 0;
      // The first two rows stand straight; lower rows tilt and drift more and more.
      if (y > 1) {
        const scale = (r: number) => f32(f32(f32(f32(r) / f32(RAND_MAX)) / perCol) * y);
        let r1 = scale(rand());
        let r2 = scale(rand());
        let r3 = scale(rand());
        if (rand() % 2) r1 = -r1;
        if (rand() % 2) r2 = -r2;
        if (rand() % 2) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f32(sx + f32(f32(r2 * side) / 3)));
        sy = Math.trunc(f32(sy + f32(f32(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/**
 * The canvas as Braille characters (UTF-8 bytes in a latin1 string), one per 2x4 pixels; rows of
 * characters end with a newline except when the last pixel row starts a character row.
 */
function renderBraille(canvas: Canvas): string {
  const parts: string[] = [];
  for (let y = 0; y < canvas.height; y += 4) {
    let row = '';
    for (let x = 0; x < canvas.width; x += 2) {
      // Braille dot order: 1 2 3 down the left column, 4 5 6 down the right, then 7 8 on the bottom row.
      let dots = 0;
      if (canvas.get(x, y)) dots |= 1 << 0;
      if (canvas.get(x, y + 1)) dots |= 1 << 1;
      if (canvas.get(x, y + 2)) dots |= 1 << 2;
      if (canvas.get(x + 1, y)) dots |= 1 << 3;
      if (canvas.get(x + 1, y + 1)) dots |= 1 << 4;
      if (canvas.get(x + 1, y + 2)) dots |= 1 << 5;
      if (canvas.get(x, y + 3)) dots |= 1 << 6;
      if (canvas.get(x + 1, y + 3)) dots |= 1 << 7;
      const code = 0x2800 + dots;
      row += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    if (y !== canvas.height - 1) row += '\n';
    parts.push(row);
  }
  return parts.join('');
}

// LOLWUT VERSION 5 [columns] [squares-per-row] [squares-per-column]
function lolwut5(c: Client, args: string[]): void {
  const cols = args.length > 0 ? intOrThrow(args[0]) : 66;
  const perRow = args.length > 1 ? intOrThrow(args[1]) : 8;
  const perCol = args.length > 2 ? intOrThrow(args[2]) : 12;
  const canvas = drawSchotter(clamp(cols, 1, 1000), clamp(perRow, 1, 200), clamp(perCol, 1, 200));
  c.reply.verbatim(
    renderBraille(canvas) + `\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`,
    'txt',
  );
}

// ---------------------------------------------------------------- version 6: skyline

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

/** One building standing on the bottom row; the roof is two pixels narrower on each side. */
function drawSkyscraper(canvas: Canvas, s: Skyscraper): void {
  const starty = canvas.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (s.windows && x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        // Windows are two pixels wide and one tall (terminal cells are tall), in one of the two greys.
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do {
            color = 1 + (rand() % 2);
          } while (color === s.color);
          if (relx % 2) color = canvas.get(x - 1, y);
        }
      }
      canvas.set(x, y, color);
    }
  }
}

function drawSkyline(canvas: Canvas): void {
  const h = canvas.height;
  // Background rows without windows, the lighter grey first so it stays behind.
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < canvas.width; ) {
      offset += rand() % 8;
      const width = 10 + (rand() % 9);
      const height = Math.trunc(h / 2) + Math.trunc((rand() % h) / (color === 2 ? 2 : 3));
      drawSkyscraper(canvas, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? Math.trunc(width / 2) : width + 1;
    }
  }
  // Foreground: black buildings with windows.
  for (let offset = -10; offset < canvas.width; ) {
    offset += rand() % 8;
    let width = 5 + (rand() % 14);
    if (width % 4) width += width % 3;
    const height = Math.trunc(h / 3) + Math.trunc((rand() % h) / 2);
    drawSkyscraper(canvas, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
}

/** Foreground and background of the four greys of a colour terminal, black to white. */
const GREYS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];
const GREY_CELLS = GREYS.map((ce) => `\x1b[${ce} \x1b[0m`);

function renderGreys(canvas: Canvas): string {
  const rows: string[] = [];
  for (let y = 0; y < canvas.height; y++) {
    let row = '';
    for (let x = 0; x < canvas.width; x++) row += GREY_CELLS[canvas.get(x, y)] ?? GREY_CELLS[0];
    rows.push(row);
  }
  return rows.join('\n');
}

// LOLWUT VERSION 6 [columns] [rows]
function lolwut6(c: Client, args: string[]): void {
  const cols = args.length > 0 ? intOrThrow(args[0]) : 80;
  const rows = args.length > 1 ? intOrThrow(args[1]) : 20;
  const canvas = new Canvas(clamp(cols, 1, 1000), clamp(rows, 1, 1000), 3);
  drawSkyline(canvas);
  c.reply.verbatim(
    renderGreys(canvas) +
      '\nDedicated to the 8 bit game developers of past and present.\n' +
      `Original 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
    'txt',
  );
}

// ---------------------------------------------------------------- LOLWUT

/**
 * The version LOLWUT draws for: Redis prints the number as "%u.0.0" (the low 32 bits of the C
 * long) and picks by its leading characters, so only 5 and 6 (modulo 2^32) have art.
 */
function artVersion(version: number | bigint): number {
  return typeof version === 'bigint' ? Number(BigInt.asUintN(32, version)) : version >>> 0;
}

// LOLWUT [VERSION version [version-specific arguments ...]]
function lolwutCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3 && isOption(argv[1], 'VERSION')) {
    const version = artVersion(int64OrThrow(argv[2]));
    const args = argv.slice(3);
    if (version === 5) return lolwut5(c, args);
    if (version === 6) return lolwut6(c, args);
  }
  c.reply.verbatim(`Redis ver. ${REDIS_VERSION}\n`, 'txt');
}

export const LOLWUT_COMMANDS: CommandSpec[] = [
  {
    name: 'lolwut',
    summary: 'Draws a little computer art and shows the Redis version Cinder answers as.',
    since: '5.0.0',
    group: 'server',
    arity: -1,
    flags: ['readonly', 'fast'],
    args: [arg.integer('version', { token: 'VERSION', optional: true })],
    handler: lolwutCommand,
  },
];
