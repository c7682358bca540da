import { withDocs, keyAt, firstKey, arg, type CommandSpec, type CommandArg, type KeySpec } from '../server/command-spec.js';
import { keyWritten, EVENT } from '../server/notify.js';
import { propagating, rewriteCommand } from '../server/propagate.js';
import { isOption } from './args.js';
import type { Client } from '../server/client.js';
import { CommandError, Errors } from '../protocol/errors.js';
import { formatFixed, formatFixedPoint, formatHumanDouble, parseFloatStrict, parseInteger } from '../util/number.js';
import { libcSort, partialQuickSort } from '../util/sort.js';
import { readZSet, zaddCommand, fromSortedWithLimits } from './zset.js';
import type { ZSetValue } from '../engine/types/zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellScoreRange,
  cellMaxScore,
  cellMinScore,
  computeSearchCells,
  decodeScore,
  geoDistance,
  geoScore,
  inShapeDistance,
  pointInShape,
  searchCells,
  standardGeohash,
  type GeoShape,
} from '../engine/geohash.js';

/**
 * The GEO command group (geo.c): GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER (and
 * their _RO forms) GEOSEARCH GEOSEARCHSTORE. A geo set is a sorted set whose scores are 52-bit
 * interleaved geohashes (src/engine/geohash.ts): GEOADD is ZADD with computed scores (and
 * propagates as that ZADD, as Redis rewrites it), searches scan the score ranges of the 3x3 grid of
 * cells around the centre, in Redis's order, so that COUNT ANY and ties answer what Redis answers.
 */

const NEED_RADIUS = 'ERR need numeric radius';
const BAD_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';
const BAD_MEMBER = 'ERR could not decode requested zset member';

// ---------------------------------------------------------------- argument helpers

/** Longitude and latitude read by parseLonLat. */
const lonLat = new Float64Array(2);

/** extractLongLatOrReply: two floats within the indexable ranges, into `lonLat`. */
function parseLonLat(lonArg: string, latArg: string): void {
  const lon = parseFloatStrict(lonArg);
  if (lon === null) throw new CommandError(Errors.notFloat);
  const lat = parseFloatStrict(latArg);
  if (lat === null) throw new CommandError(Errors.notFloat);
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    throw new CommandError(`ERR invalid longitude,latitude pair ${formatFixed(lon, 6)},${formatFixed(lat, 6)}`);
  }
  lonLat[0] = lon;
  lonLat[1] = lat;
}

/** extractUnitOrReply: metres per unit (any case since 7.0). */
function unitOrThrow(u: string): number {
  if (isOption(u, 'M')) return 1;
  if (isOption(u, 'KM')) return 1000;
  if (isOption(u, 'FT')) return 0.3048;
  if (isOption(u, 'MI')) return 1609.34;
  throw new CommandError(BAD_UNIT);
}

/** getDoubleFromObjectOrReply with a command's own message. */
function floatOrThrow(s: string, message: string): number {
  const v = parseFloatStrict(s);
  if (v === null) throw new CommandError(message);
  return v;
}

/** extractDistanceOrReply: radius and unit into the shape. */
function parseRadius(shape: GeoShape, radiusArg: string, unitArg: string): void {
  const radius = floatOrThrow(radiusArg, NEED_RADIUS);
  if (radius < 0) throw new CommandError('ERR radius cannot be negative');
  shape.radius = radius;
  shape.conversion = unitOrThrow(unitArg);
  shape.isBox = false;
}

/** extractBoxOrReply: width, height and unit into the shape. */
function parseBox(shape: GeoShape, widthArg: string, heightArg: string, unitArg: string): void {
  const width = floatOrThrow(widthArg, 'ERR need numeric width');
  const height = floatOrThrow(heightArg, 'ERR need numeric height');
  if (height < 0 || width < 0) throw new CommandError('ERR height or width cannot be negative');
  shape.width = width;
  shape.height = height;
  shape.conversion = unitOrThrow(unitArg);
  shape.isBox = true;
}

/** The point a member stands for, into `lonLat`; false when the member is absent. */
function memberLonLat(z: ZSetValue, member: string): boolean {
  const score = z.score(member);
  if (score === undefined) return false;
  decodeScore(score, lonLat);
  return true;
}

// ---------------------------------------------------------------- GEOADD

// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
function geoaddCommand(c: Client, argv: string[]): void {
  let nx = false;
  let xx = false;
  let longIdx = 2;
  while (longIdx < argv.length) {
    const opt = argv[longIdx];
    if (isOption(opt, 'NX')) nx = true;
    else if (isOption(opt, 'XX')) xx = true;
    else if (!isOption(opt, 'CH')) break;
    longIdx++;
  }
  if ((argv.length - longIdx) % 3 !== 0 || (xx && nx)) throw new CommandError(Errors.syntax);
  const elements = (argv.length - longIdx) / 3;
  // Redis turns the command into ZADD key [options] score member ... and runs ZADD, which is
  // also what replicas and the AOF receive.
  const zadd: string[] = new Array(longIdx + elements * 2);
  zadd[0] = 'zadd';
  for (let i = 1; i < longIdx; i++) zadd[i] = argv[i];
  for (let i = 0; i < elements; i++) {
    const at = longIdx + i * 3;
    parseLonLat(argv[at], argv[at + 1]);
    zadd[longIdx + i * 2] = String(geoScore(lonLat[0], lonLat[1]));
    zadd[longIdx + i * 2 + 1] = argv[at + 2];
  }
  if (propagating(c)) rewriteCommand(c, zadd);
  zaddCommand(c, zadd);
}

// ---------------------------------------------------------------- GEOPOS GEOHASH GEODIST

// GEOPOS key [member [member ...]]
function geoposCommand(c: Client, argv: string[]): void {
  const z = readZSet(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    if (z === undefined || !memberLonLat(z, argv[j])) {
      r.nullArray();
      continue;
    }
    r.arrayLen(2);
    r.doubleText(formatHumanDouble(lonLat[0]));
    r.doubleText(formatHumanDouble(lonLat[1]));
  }
}

// GEOHASH key [member [member ...]]
function geohashCommand(c: Client, argv: string[]): void {
  const z = readZSet(c, argv[1]);
  const r = c.reply;
  r.arrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    if (z === undefined || !memberLonLat(z, argv[j])) r.nullBulk();
    else r.bulk(standardGeohash(lonLat[0], lonLat[1]));
  }
}

// GEODIST key member1 member2 [M|KM|FT|MI]
function geodistCommand(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = unitOrThrow(argv[4]);
  else if (argv.length > 5) throw new CommandError(Errors.syntax);
  const z = readZSet(c, argv[1]);
  if (z === undefined || !memberLonLat(z, argv[2])) return c.reply.nullBulk();
  const lon1 = lonLat[0];
  const lat1 = lonLat[1];
  if (!memberLonLat(z, argv[3])) return c.reply.nullBulk();
  c.reply.bulk(formatFixedPoint(geoDistance(lon1, lat1, lonLat[0], lonLat[1]) / toMeter, 4));
}

// ---------------------------------------------------------------- searches

/** georadiusGeneric's modes. */
const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

/** A point found by a search (geoPoint). */
interface GeoPoint {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

function byDistanceAsc(a: GeoPoint, b: GeoPoint): number {
  // Comparisons, not a subtraction: NaN distances compare as Redis's comparator makes them.
  if (a.dist > b.dist) return 1;
  if (a.dist === b.dist) return 0;
  return -1;
}

function byDistanceDesc(a: GeoPoint, b: GeoPoint): number {
  return -byDistanceAsc(a, b);
}

/** State of the search in progress, read by the range visitor (commands run one at a time). */
const shape: GeoShape = { lon: 0, lat: 0, conversion: 1, isBox: false, radius: 0, width: 0, height: 0 };
/** The points found so far (reused: a search's points are consumed before the next search). */
const found: GeoPoint[] = [];
let foundLimit = 0;
const pointXY = new Float64Array(2);
/** Point objects reused by searches, up to POOL_MAX of them (bigger results allocate). */
const pool: GeoPoint[] = [];
const POOL_MAX = 1024;

/** geoAppendIfWithinShape, for each element of a cell's score range (none past an ANY limit). */
function visitCandidate(member: string, score: number): void {
  if (foundLimit > 0 && found.length >= foundLimit) return;
  decodeScore(score, pointXY);
  const lon = pointXY[0];
  const lat = pointXY[1];
  if (!pointInShape(shape, lon, lat)) return;
  const n = found.length;
  let p = pool[n];
  if (p === undefined) {
    p = { member, score, lon, lat, dist: inShapeDistance };
    if (n < POOL_MAX) pool.push(p);
  } else {
    p.member = member;
    p.score = score;
    p.lon = lon;
    p.lat = lat;
    p.dist = inShapeDistance;
  }
  found.push(p);
}

/** Drops the found points' member references (the pool outlives the command). */
function releaseFound(): void {
  for (let i = 0; i < found.length; i++) found[i].member = '';
  found.length = 0;
}

/** membersOfAllNeighbors: the points of the 3x3 cells inside the shape, in scan order. */
function collectPoints(z: ZSetValue, limit: number): GeoPoint[] {
  computeSearchCells(shape);
  found.length = 0;
  foundLimit = limit;
  let lastProcessed = 0;
  for (let i = 0; i < 9; i++) {
    const cell = searchCells[i];
    if (cell.step === 0) continue;
    // With huge radii neighbours can coincide: a cell equal to the one scanned last is skipped
    // (only when that one was not the centre, as in Redis).
    if (lastProcessed !== 0) {
      const last = searchCells[lastProcessed];
      if (cell.lat === last.lat && cell.lon === last.lon && cell.step === last.step) continue;
    }
    if (limit > 0 && found.length >= limit) break;
    cellScoreRange(cell);
    z.forEachInScoreRange(cellMinScore, cellMaxScore, visitCandidate);
    lastProcessed = i;
  }
  return found;
}

/**
 * georadiusGeneric: every search command. `srcIdx` is the source key's index; `flags` the mode
 * (RADIUS_COORDS / RADIUS_MEMBER for GEORADIUS*, GEOSEARCH (+ GEOSEARCHSTORE), RADIUS_NOSTORE
 * for the _RO forms).
 */
function searchGeneric(c: Client, argv: string[], srcIdx: number, flags: number): void {
  const z = readZSet(c, argv[srcIdx]);
  let baseArgs: number;
  let storeKey: string | null = null;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    parseLonLat(argv[2], argv[3]);
    shape.lon = lonLat[0];
    shape.lat = lonLat[1];
    parseRadius(shape, argv[4], argv[5]);
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    // Without a source key the member and radius are not even read: the options still are, to
    // choose the reply.
    if (z !== undefined) {
      if (!memberLonLat(z, argv[2])) throw new CommandError(BAD_MEMBER);
      shape.lon = lonLat[0];
      shape.lat = lonLat[1];
      parseRadius(shape, argv[3], argv[4]);
    }
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storeKey = argv[1];
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoords = false;
  let fromMember = false;
  let fromLoc = false;
  let byRadius = false;
  let byBox = false;
  let storeDist = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const a = argv[baseArgs + i];
    if (isOption(a, 'WITHDIST')) withDist = true;
    else if (isOption(a, 'WITHHASH')) withHash = true;
    else if (isOption(a, 'WITHCOORD')) withCoords = true;
    else if (isOption(a, 'ANY')) any = true;
    else if (isOption(a, 'ASC')) sort = SORT_ASC;
    else if (isOption(a, 'DESC')) sort = SORT_DESC;
    else if (isOption(a, 'COUNT') && i + 1 < remaining) {
      const n = parseInteger(argv[baseArgs + i + 1]);
      if (n === null) throw new CommandError(Errors.notInteger);
      if (n <= 0) throw new CommandError('ERR COUNT must be > 0');
      count = Number(n);
      i++;
    } else if ((isOption(a, 'STORE') || isOption(a, 'STOREDIST')) && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = argv[baseArgs + i + 1];
      storeDist = isOption(a, 'STOREDIST');
      i++;
    } else if (isOption(a, 'STOREDIST') && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (isOption(a, 'FROMMEMBER') && i + 1 < remaining && flags & GEOSEARCH && !fromLoc) {
      // Without a source key the member is not looked up: the command answers empty below.
      if (z !== undefined) {
        if (!memberLonLat(z, argv[baseArgs + i + 1])) throw new CommandError(BAD_MEMBER);
        shape.lon = lonLat[0];
        shape.lat = lonLat[1];
      }
      fromMember = true;
      i++;
    } else if (isOption(a, 'FROMLONLAT') && i + 2 < remaining && flags & GEOSEARCH && !fromMember) {
      parseLonLat(argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
      shape.lon = lonLat[0];
      shape.lat = lonLat[1];
      fromLoc = true;
      i += 2;
    } else if (isOption(a, 'BYRADIUS') && i + 2 < remaining && flags & GEOSEARCH && !byBox) {
      parseRadius(shape, argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
      byRadius = true;
      i += 2;
    } else if (isOption(a, 'BYBOX') && i + 3 < remaining && flags & GEOSEARCH && !byRadius) {
      parseBox(shape, argv[baseArgs + i + 1], argv[baseArgs + i + 2], argv[baseArgs + i + 3]);
      byBox = true;
      i += 3;
    } else {
      throw new CommandError(Errors.syntax);
    }
  }

  if (storeKey !== null && (withDist || withHash || withCoords)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw new CommandError(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (flags & GEOSEARCH && !(fromMember || fromLoc)) {
    throw new CommandError(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  }
  if (flags & GEOSEARCH && !(byRadius || byBox)) {
    throw new CommandError(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  }
  if (any && count === 0) throw new CommandError('ERR the ANY argument requires COUNT argument');

  if (z === undefined) {
    if (storeKey !== null) {
      if (c.db.delete(storeKey)) keyWritten(c, EVENT.generic, 'del', storeKey);
      return c.reply.int(0);
    }
    return c.reply.arrayLen(0);
  }

  // COUNT picks the nearest: it implies ASC unless ANY (the first found) was asked.
  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const points = collectPoints(z, any ? count : 0);
  if (points.length === 0 && storeKey === null) {
    releaseFound();
    return c.reply.arrayLen(0);
  }
  const total = points.length;
  const returned = count === 0 || total < count ? total : count;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? byDistanceAsc : byDistanceDesc;
    if (returned === total) libcSort(points, cmp);
    else partialQuickSort(points, cmp, 0, returned - 1);
  }
  const conversion = shape.conversion;

  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
    const r = c.reply;
    r.arrayLen(returned);
    for (let i = 0; i < returned; i++) {
      const p = points[i];
      if (options > 0) r.arrayLen(options + 1);
      r.bulk(p.member);
      if (withDist) r.bulk(formatFixedPoint(p.dist / conversion, 4));
      if (withHash) r.int(Math.trunc(p.score));
      if (withCoords) {
        r.arrayLen(2);
        r.doubleText(formatHumanDouble(p.lon));
        r.doubleText(formatHumanDouble(p.lat));
      }
    }
    releaseFound();
    return;
  }

  const stored = points.slice(0, returned).map((p) => ({ member: p.member, score: storeDist ? p.dist / conversion : p.score }));
  releaseFound();
  if (returned === 0) {
    if (c.db.delete(storeKey)) keyWritten(c, EVENT.generic, 'del', storeKey);
    return c.reply.int(0);
  }
  // As a sorted set orders them: by score, then member bytes.
  stored.sort((a, b) => (a.score !== b.score ? (a.score < b.score ? -1 : 1) : a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
  const members = stored.map((p) => p.member);
  const scores = stored.map((p) => p.score);
  c.db.set(storeKey, fromSortedWithLimits(c, members, scores));
  keyWritten(c, EVENT.zset, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storeKey, returned);
  c.reply.int(returned);
}

// GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
function georadiusCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 1, RADIUS_COORDS);
}

// GEORADIUS_RO key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]
function georadiusRoCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE);
}

// GEORADIUSBYMEMBER key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
function georadiusbymemberCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 1, RADIUS_MEMBER);
}

// GEORADIUSBYMEMBER_RO key member radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC|DESC]
function georadiusbymemberRoCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE);
}

// GEOSEARCH key FROMMEMBER member|FROMLONLAT longitude latitude BYRADIUS radius unit|BYBOX width height unit
//   [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
function geosearchCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 1, GEOSEARCH);
}

// GEOSEARCHSTORE destination source FROMMEMBER member|FROMLONLAT longitude latitude
//   BYRADIUS radius unit|BYBOX width height unit [ASC|DESC] [COUNT count [ANY]] [STOREDIST]
function geosearchstoreCommand(c: Client, argv: string[]): void {
  searchGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE);
}

// ---------------------------------------------------------------- command table

function spec(s: Omit<CommandSpec, 'group' | 'acl'>): CommandSpec {
  return { ...s, group: 'geo', acl: ['geo'] };
}

const UNIT = (opts?: { optional?: boolean }): CommandArg =>
  arg.oneOf('unit', [arg.token('M'), arg.token('KM'), arg.token('FT'), arg.token('MI')], opts);
const WITH_ARGS = [arg.token('WITHCOORD', { optional: true }), arg.token('WITHDIST', { optional: true }), arg.token('WITHHASH', { optional: true })];
const COUNT_ARG = (anySince?: string): CommandArg =>
  arg.block('count', [arg.integer('count', { token: 'COUNT' }), arg.token('ANY', anySince !== undefined ? { since: anySince, optional: true } : { optional: true })], {
    optional: true,
  });
const ORDER_ARG = arg.oneOf('order', [arg.token('ASC'), arg.token('DESC')], { optional: true });
const FROM_ARG = arg.oneOf('from', [
  arg.string('member', { token: 'FROMMEMBER' }),
  arg.block('longitude_latitude', [arg.double('longitude'), arg.double('latitude')], { token: 'FROMLONLAT' }),
]);
const BY_ARG = arg.oneOf('by', [
  arg.block('circle', [arg.double('radius', { token: 'BYRADIUS' }), UNIT()]),
  arg.block('box', [arg.double('width', { token: 'BYBOX' }), arg.double('height'), UNIT()]),
]);

/** GEORADIUS* key specs: the source, and the STORE / STOREDIST destinations found by keyword. */
function radiusKeys(startfrom: number): KeySpec[] {
  return [
    keyAt(1, ['RO', 'ACCESS']),
    { flags: ['OW', 'UPDATE'], begin: { keyword: 'STORE', startfrom }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    { flags: ['OW', 'UPDATE'], begin: { keyword: 'STOREDIST', startfrom }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
  ];
}

const RADIUS_COMPLEXITY = 'O(N+log(M)): N elements in the cells around the circle, M elements in the set.';
const SEARCH_COMPLEXITY = 'O(N+log(M)): N elements in the cells around the shape, M elements in the set.';
const STORE_ARGS = [arg.key('key', 1, { token: 'STORE', optional: true }), arg.key('key', 2, { token: 'STOREDIST', optional: true })];
const RADIUS_DEPRECATION = { docFlags: ['deprecated'] as Array<'deprecated'>, deprecatedSince: '6.2.0' };

export const GEO_COMMANDS: CommandSpec[] = [
  withDocs(
    spec({
      name: 'geoadd',
      summary: 'Adds points (longitude, latitude, member) to a geo set, a sorted set scored by geohash.',
      since: '3.2.0',
      complexity: 'O(log(N)) per point added, N being the size of the set.',
      arity: -5,
      flags: ['write', 'denyoom'],
      keys: firstKey(['RW', 'UPDATE']),
      args: [
        arg.key('key', 0),
        arg.oneOf('condition', [arg.token('NX'), arg.token('XX')], { since: '6.2.0', optional: true }),
        arg.token('CH', { name: 'change', since: '6.2.0', optional: true }),
        arg.block('longitude_latitude_member', [arg.double('longitude'), arg.double('latitude'), arg.string('member')], { multiple: true }),
      ],
      handler: geoaddCommand,
    }),
    { history: [['6.2.0', 'Added the `CH`, `NX` and `XX` options.']] },
  ),
  spec({
    name: 'geodist',
    summary: 'Returns the distance between two members of a geo set.',
    since: '3.2.0',
    complexity: 'O(log(N))',
    arity: -4,
    flags: ['readonly'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member1'), arg.string('member2'), UNIT({ optional: true })],
    handler: geodistCommand,
  }),
  spec({
    name: 'geohash',
    summary: 'Returns members of a geo set as standard 11-character geohash strings.',
    since: '3.2.0',
    complexity: 'O(log(N)) per member, N being the size of the set.',
    arity: -2,
    flags: ['readonly'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: geohashCommand,
  }),
  spec({
    name: 'geopos',
    summary: 'Returns the longitude and latitude of members of a geo set.',
    since: '3.2.0',
    complexity: 'O(N), N being the number of members asked for.',
    arity: -2,
    flags: ['readonly'],
    keys: firstKey(['RO', 'ACCESS']),
    args: [arg.key('key', 0), arg.string('member', { multiple: true })],
    handler: geoposCommand,
  }),
  withDocs(
    spec({
      name: 'georadius',
      summary: 'Finds the members of a geo set within a radius of a point, optionally storing them.',
      since: '3.2.0',
      complexity: RADIUS_COMPLEXITY,
      arity: -6,
      flags: ['write', 'denyoom'],
      keys: radiusKeys(6),
      args: [arg.key('key', 0), arg.double('longitude'), arg.double('latitude'), arg.double('radius'), UNIT(), ...WITH_ARGS, COUNT_ARG('6.2.0'), ORDER_ARG, ...STORE_ARGS],
      handler: georadiusCommand,
    }),
    {
      ...RADIUS_DEPRECATION,
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument',
      history: [
        ['6.2.0', 'Added the `ANY` option for `COUNT`.'],
        ['7.0.0', 'Added support for uppercase unit names.'],
      ],
    },
  ),
  withDocs(
    spec({
      name: 'georadius_ro',
      summary: 'The read-only form of GEORADIUS.',
      since: '3.2.10',
      complexity: RADIUS_COMPLEXITY,
      arity: -6,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), arg.double('longitude'), arg.double('latitude'), arg.double('radius'), UNIT(), ...WITH_ARGS, COUNT_ARG('6.2.0'), ORDER_ARG],
      handler: georadiusRoCommand,
    }),
    { ...RADIUS_DEPRECATION, replacedBy: '`GEOSEARCH` with the `BYRADIUS` argument', history: [['6.2.0', 'Added the `ANY` option for `COUNT`.']] },
  ),
  withDocs(
    spec({
      name: 'georadiusbymember',
      summary: 'Finds the members of a geo set within a radius of one of its members, optionally storing them.',
      since: '3.2.0',
      complexity: RADIUS_COMPLEXITY,
      arity: -5,
      flags: ['write', 'denyoom'],
      keys: radiusKeys(5),
      args: [arg.key('key', 0), arg.string('member'), arg.double('radius'), UNIT(), ...WITH_ARGS, COUNT_ARG(), ORDER_ARG, ...STORE_ARGS],
      handler: georadiusbymemberCommand,
    }),
    {
      ...RADIUS_DEPRECATION,
      replacedBy: '`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments',
      history: [['7.0.0', 'Added support for uppercase unit names.']],
    },
  ),
  withDocs(
    spec({
      name: 'georadiusbymember_ro',
      summary: 'The read-only form of GEORADIUSBYMEMBER.',
      since: '3.2.10',
      complexity: RADIUS_COMPLEXITY,
      arity: -5,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), arg.string('member'), arg.double('radius'), UNIT(), ...WITH_ARGS, COUNT_ARG(), ORDER_ARG],
      handler: georadiusbymemberRoCommand,
    }),
    { ...RADIUS_DEPRECATION, replacedBy: '`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments' },
  ),
  withDocs(
    spec({
      name: 'geosearch',
      summary: 'Finds the members of a geo set inside a circle or a box around a point or a member.',
      since: '6.2.0',
      complexity: SEARCH_COMPLEXITY,
      arity: -7,
      flags: ['readonly'],
      keys: firstKey(['RO', 'ACCESS']),
      args: [arg.key('key', 0), FROM_ARG, BY_ARG, ORDER_ARG, COUNT_ARG(), ...WITH_ARGS],
      handler: geosearchCommand,
    }),
    { history: [['7.0.0', 'Added support for uppercase unit names.']] },
  ),
  withDocs(
    spec({
      name: 'geosearchstore',
      summary: 'Stores the members of a geo set inside a circle or a box in another key, with their geohash or distance as score.',
      since: '6.2.0',
      complexity: SEARCH_COMPLEXITY,
      arity: -8,
      flags: ['write', 'denyoom'],
      keys: [keyAt(1, ['OW', 'UPDATE']), keyAt(2, ['RO', 'ACCESS'])],
      args: [arg.key('destination', 0), arg.key('source', 1), FROM_ARG, BY_ARG, ORDER_ARG, COUNT_ARG(), arg.token('STOREDIST', { optional: true })],
      handler: geosearchstoreCommand,
    }),
    { history: [['7.0.0', 'Added support for uppercase unit names.']] },
  ),
];
