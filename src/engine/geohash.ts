/**
 * Geohash arithmetic as Redis 7.0 does it (geohash.c, geohash_helper.c): the 52-bit interleaved
 * scores of geo sets, their decoding to the centre of the cell, the haversine distance with
 * Redis's earth radius, and the 3x3 grid of cells a radius or box search scans.
 *
 * A cell is kept de-interleaved: its latitude index and longitude index (uint32 each) at a step
 * (bits per coordinate). Redis keeps them interleaved in one uint64 (latitude on the even bits,
 * longitude on the odd ones) and moves to a neighbour with masked additions on that word; on the
 * separate indexes the same move is "index +- 1 modulo 2^step", and the unmoved index keeps any
 * bit above the step (a coordinate at exactly the range's maximum encodes to 2^step), as the
 * interleaved form does. Interleaving happens only where a 64-bit value leaves this module: a
 * score, the bounds of a cell's score range, a GEOHASH string. Those are built from two uint32
 * halves, so no BigInt on the search path.
 */

/** Bits per coordinate of a stored score (26 + 26 = 52, a double's mantissa). */
export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** Redis's earth radius (the WGS-84 quadratic mean), metres. */
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;
const TWO_32 = 4294967296;

const LAT_SPAN = GEO_LAT_MAX - GEO_LAT_MIN;
const INV_2_26 = 1 / 67108864;
const LONG_SPAN = GEO_LONG_MAX - GEO_LONG_MIN;

function degRad(ang: number): number {
  return ang * D_R;
}
function radDeg(ang: number): number {
  return ang / D_R;
}

// ---------------------------------------------------------------- bit interleaving

/** The 16 low bits of v spread to the even bits of a uint32. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}

/** The even bits of a uint32 gathered into 16 bits. */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** High and low uint32 halves of the last interleave / toUint64 call (the hot path allocates nothing). */
let hi32 = 0;
let lo32 = 0;

/** interleave64(lat, lon): latitude on the even bits, longitude on the odd bits, into hi32/lo32. */
function interleave(lat: number, lon: number): void {
  lo32 = (spread16(lat) | (spread16(lon) << 1)) >>> 0;
  hi32 = (spread16(lat >>> 16) | (spread16(lon >>> 16) << 1)) >>> 0;
}

/** The uint64 hi32:lo32 as a double (rounded to nearest, as C's conversion and strtod round). */
function halvesToNumber(hi: number, lo: number): number {
  return hi * TWO_32 + lo;
}

/**
 * `(uint64_t)score` as Redis's x86-64 build computes it, into hi32/lo32: truncation toward zero;
 * a negative value wraps (two's complement), -2^63 and below (and -inf) give 2^63, 2^64 and
 * above (and +inf) give 0. Stored geo scores are integers below 2^54; the rest is what GEOPOS
 * and friends read from a sorted set filled by ZADD.
 */
function toUint64(score: number): void {
  if (score >= 0 && score < 18446744073709551616) {
    // ToUint32 is the integer part modulo 2^32: exact for any double in range.
    lo32 = score >>> 0;
    hi32 = (score / TWO_32) >>> 0;
    return;
  }
  if (score >= 18446744073709551616) {
    hi32 = 0;
    lo32 = 0;
    return;
  }
  if (score > -9223372036854775808) {
    const a = -Math.trunc(score);
    const ah = (a / TWO_32) >>> 0;
    const al = a >>> 0;
    lo32 = (~al + 1) >>> 0;
    hi32 = (~ah + (al === 0 ? 1 : 0)) >>> 0;
    return;
  }
  hi32 = 0x80000000;
  lo32 = 0;
}

// ---------------------------------------------------------------- cells

/** A geohash cell: its coordinate indexes at `step` bits each; step 0 means "no cell" (GZERO). */
export interface GeoCell {
  lat: number;
  lon: number;
  step: number;
}

/** A cell's bounds in degrees. */
export interface GeoArea {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
}

/**
 * geohashEncode: the cell of (lon, lat) at `step` bits per coordinate within the given ranges.
 * The caller has checked the coordinates are inside the ranges.
 */
function encodeCell(lon: number, lat: number, step: number, latMin: number, latSpan: number, lonMin: number, lonSpan: number, out: GeoCell): void {
  const scale = POW2[step];
  let latOffset = (lat - latMin) / latSpan;
  let lonOffset = (lon - lonMin) / lonSpan;
  latOffset *= scale;
  lonOffset *= scale;
  // The C code converts the doubles to uint32_t: truncation.
  out.lat = Math.trunc(latOffset) >>> 0;
  out.lon = Math.trunc(lonOffset) >>> 0;
  out.step = step;
}

/** geohashDecode over the WGS-84 ranges Redis uses for scores. */
function decodeCell(cell: GeoCell, out: GeoArea): void {
  const scale = POW2[cell.step];
  out.latMin = GEO_LAT_MIN + (cell.lat / scale) * LAT_SPAN;
  out.latMax = GEO_LAT_MIN + (((cell.lat + 1) >>> 0) / scale) * LAT_SPAN;
  out.lonMin = GEO_LONG_MIN + (cell.lon / scale) * LONG_SPAN;
  out.lonMax = GEO_LONG_MIN + (((cell.lon + 1) >>> 0) / scale) * LONG_SPAN;
}

/** 2^0 .. 2^64. */
const POW2 = Array.from({ length: 65 }, (_, i) => Math.pow(2, i));

/** The score of a point (geohashEncodeWGS84 at step 26, aligned to 52 bits). */
export function geoScore(lon: number, lat: number): number {
  encodeCell(lon, lat, GEO_STEP_MAX, GEO_LAT_MIN, LAT_SPAN, GEO_LONG_MIN, LONG_SPAN, scratchCell);
  interleave(scratchCell.lat, scratchCell.lon);
  return halvesToNumber(hi32, lo32);
}

const scratchCell: GeoCell = { lat: 0, lon: 0, step: 0 };

/**
 * decodeGeohash: the point a score stands for (the centre of its step-26 cell, clamped to the
 * valid ranges), into out[0] (longitude) and out[1] (latitude). Every score decodes.
 */
export function decodeScore(score: number, out: Float64Array | number[]): void {
  toUint64(score);
  const lat = (compact16(lo32) | (compact16(hi32) << 16)) >>> 0;
  const lon = (compact16(lo32 >>> 1) | (compact16(hi32 >>> 1) << 16)) >>> 0;
  // decodeCell at step 26, inlined (the hot loop of every search): dividing by 2^26 is the exact
  // multiplication by 2^-26.
  const latMin = GEO_LAT_MIN + lat * INV_2_26 * LAT_SPAN;
  const latMax = GEO_LAT_MIN + ((lat + 1) >>> 0) * INV_2_26 * LAT_SPAN;
  const lonMin = GEO_LONG_MIN + lon * INV_2_26 * LONG_SPAN;
  const lonMax = GEO_LONG_MIN + ((lon + 1) >>> 0) * INV_2_26 * LONG_SPAN;
  let x = (lonMin + lonMax) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  out[0] = x;
  out[1] = y;
}

const GEOHASH_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's string for a decoded point: re-encoded over the standard ranges (latitude -90..90,
 * where scores use Redis's -85.05..85.05), 52 bits in 10 characters of 5 bits, and an 11th '0'.
 */
export function standardGeohash(lon: number, lat: number): string {
  encodeCell(lon, lat, GEO_STEP_MAX, -90, 180, -180, 360, scratchCell);
  interleave(scratchCell.lat, scratchCell.lon);
  // The low 52 bits (a coordinate at exactly +180 sets bit 53, which no character reads).
  let bits = halvesToNumber(hi32 & 0xfffff, lo32);
  let s = '';
  for (let i = 0; i < 10; i++) {
    const shift = 52 - (i + 1) * 5;
    s += GEOHASH_ALPHABET[Math.floor(bits / Math.pow(2, shift)) & 0x1f];
    bits %= Math.pow(2, shift);
  }
  return s + '0';
}

// ---------------------------------------------------------------- distances

/** Distance along a meridian (geohashGetLatDistance). */
function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** Haversine great-circle distance in metres (geohashGetDistance), longitude first. */
export function geoDistance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1);
  const lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  // Same meridian: the haversine reduces to the latitude difference (Redis's shortcut, kept for
  // its exact results).
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1);
  const lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---------------------------------------------------------------- search shapes and areas

/** A search: its centre, and a radius or a box (in the shape's unit; `conversion` is metres per unit). */
export interface GeoShape {
  lon: number;
  lat: number;
  /** Metres per unit. */
  conversion: number;
  isBox: boolean;
  radius: number;
  width: number;
  height: number;
}

/**
 * Whether (lon, lat) is inside the shape; its distance to the centre (metres) is left in
 * `inShapeDistance` (geoAppendIfWithinShape's test).
 */
export let inShapeDistance = 0;
export function pointInShape(shape: GeoShape, lon: number, lat: number): boolean {
  if (!shape.isBox) {
    // Cheap rejection first: the great-circle distance is at least the distance along the
    // meridian, so a point farther than the radius in latitude alone is outside (with a margin
    // far above rounding errors). Not near the opposite meridian, where Redis's haversine can
    // round to NaN and keep the point.
    const dl = Math.abs(lon - shape.lon);
    if ((dl < 170 || dl > 190) && latDistance(lat, shape.lat) > shape.radius * shape.conversion * 1.000001 + 1e-6) return false;
    const d = geoDistance(shape.lon, shape.lat, lon, lat);
    inShapeDistance = d;
    // NaN (rounding past 1 under the arcsine, antipodes) compares false: inside, as in Redis.
    return !(d > shape.radius * shape.conversion);
  }
  // geohashGetDistanceIfInRectangle: latitude first (cheaper), then the longitude distance
  // along the point's parallel.
  const heightM = shape.height * shape.conversion;
  if (latDistance(lat, shape.lat) > heightM / 2) return false;
  const widthM = shape.width * shape.conversion;
  if (geoDistance(lon, lat, shape.lon, lat) > widthM / 2) return false;
  inShapeDistance = geoDistance(shape.lon, shape.lat, lon, lat);
  return true;
}

/** geohashEstimateStepsByRadius. */
function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Cells narrow towards the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/**
 * The cells a search scans, in Redis's order: the centre's cell, then north, south, east, west,
 * north-east, north-west, south-east, south-west; a cell with step 0 is skipped (GZERO).
 */
export const searchCells: GeoCell[] = Array.from({ length: 9 }, () => ({ lat: 0, lon: 0, step: 0 }));

const CENTRE = 0;
const NORTH = 1;
const SOUTH = 2;
const EAST = 3;
const WEST = 4;
const NORTH_EAST = 5;
const NORTH_WEST = 6;
const SOUTH_EAST = 7;
const SOUTH_WEST = 8;

/** Index +- 1 modulo 2^step (geohash_move_x / geohash_move_y on the interleaved word). */
function moved(idx: number, d: number, step: number): number {
  const mod = Math.pow(2, step);
  return (((idx % mod) + d + mod) % mod) >>> 0;
}

/** geohashNeighbors: the eight cells around searchCells[CENTRE]. */
function fillNeighbours(): void {
  const c = searchCells[CENTRE];
  const s = c.step;
  const north = moved(c.lat, 1, s);
  const south = moved(c.lat, -1, s);
  const east = moved(c.lon, 1, s);
  const west = moved(c.lon, -1, s);
  setCell(searchCells[NORTH], north, c.lon, s);
  setCell(searchCells[SOUTH], south, c.lon, s);
  setCell(searchCells[EAST], c.lat, east, s);
  setCell(searchCells[WEST], c.lat, west, s);
  setCell(searchCells[NORTH_EAST], north, east, s);
  setCell(searchCells[NORTH_WEST], north, west, s);
  setCell(searchCells[SOUTH_EAST], south, east, s);
  setCell(searchCells[SOUTH_WEST], south, west, s);
}

function setCell(cell: GeoCell, lat: number, lon: number, step: number): void {
  cell.lat = lat;
  cell.lon = lon;
  cell.step = step;
}

function zeroCell(i: number): void {
  setCell(searchCells[i], 0, 0, 0);
}

const neighbourArea: GeoArea = { latMin: 0, latMax: 0, lonMin: 0, lonMax: 0 };
const centreArea: GeoArea = { latMin: 0, latMax: 0, lonMin: 0, lonMax: 0 };

/**
 * geohashCalculateAreasByShapeWGS84: fills `searchCells` with the centre cell and its neighbours
 * at a step coarse enough for the shape's bounding box, dropping the neighbours the box cannot
 * reach.
 */
export function computeSearchCells(shape: GeoShape): void {
  // geohashBoundingBox: the box's parallels are farther apart in degrees away from the equator,
  // so each hemisphere takes its longitude span at the edge nearer the pole.
  const lon = shape.lon;
  const lat = shape.lat;
  const height = shape.conversion * (shape.isBox ? shape.height / 2 : shape.radius);
  const width = shape.conversion * (shape.isBox ? shape.width / 2 : shape.radius);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(lat - latDelta)));
  const southern = lat < 0;
  const minLon = southern ? lon - lonDeltaBottom : lon - lonDeltaTop;
  const maxLon = southern ? lon + lonDeltaBottom : lon + lonDeltaTop;
  const minLat = lat - latDelta;
  const maxLat = lat + latDelta;

  // A box is covered from its centre out to a corner.
  let radiusMeters = shape.isBox
    ? Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
    : shape.radius;
  radiusMeters *= shape.conversion;

  let steps = estimateSteps(radiusMeters, lat);
  const centre = searchCells[CENTRE];
  encodeCell(lon, lat, steps, GEO_LAT_MIN, LAT_SPAN, GEO_LONG_MIN, LONG_SPAN, centre);
  fillNeighbours();

  // Near a cell's edge the estimated step can leave part of the box outside the 3x3 grid: one
  // step coarser then.
  let decrease = false;
  decodeCell(searchCells[NORTH], neighbourArea);
  if (neighbourArea.latMax < maxLat) decrease = true;
  decodeCell(searchCells[SOUTH], neighbourArea);
  if (neighbourArea.latMin > minLat) decrease = true;
  decodeCell(searchCells[EAST], neighbourArea);
  if (neighbourArea.lonMax < maxLon) decrease = true;
  decodeCell(searchCells[WEST], neighbourArea);
  if (neighbourArea.lonMin > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    encodeCell(lon, lat, steps, GEO_LAT_MIN, LAT_SPAN, GEO_LONG_MIN, LONG_SPAN, centre);
    fillNeighbours();
  }
  decodeCell(centre, centreArea);

  // Neighbours on a side the box does not reach are not scanned.
  if (steps >= 2) {
    if (centreArea.latMin < minLat) {
      zeroCell(SOUTH);
      zeroCell(SOUTH_WEST);
      zeroCell(SOUTH_EAST);
    }
    if (centreArea.latMax > maxLat) {
      zeroCell(NORTH);
      zeroCell(NORTH_EAST);
      zeroCell(NORTH_WEST);
    }
    if (centreArea.lonMin < minLon) {
      zeroCell(WEST);
      zeroCell(SOUTH_WEST);
      zeroCell(NORTH_WEST);
    }
    if (centreArea.lonMax > maxLon) {
      zeroCell(EAST);
      zeroCell(SOUTH_EAST);
      zeroCell(NORTH_EAST);
    }
  }
}

/** Bounds of a cell's scores, set by cellScoreRange: [cellMinScore, cellMaxScore). */
export let cellMinScore = 0;
export let cellMaxScore = 0;

/** scoresOfGeoHashBox: the cell's bits aligned to 52 bits, and those of the next cell. */
export function cellScoreRange(cell: GeoCell): void {
  interleave(cell.lat, cell.lon);
  const shift = Math.pow(2, 52 - cell.step * 2);
  cellMinScore = halvesToNumber(hi32, lo32) * shift;
  // hash.bits++ on the 64-bit word, then aligned.
  let lo = lo32 + 1;
  let hi = hi32;
  if (lo === TWO_32) {
    lo = 0;
    hi = (hi + 1) >>> 0;
  }
  cellMaxScore = halvesToNumber(hi, lo) * shift;
}
