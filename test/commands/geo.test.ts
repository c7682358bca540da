/**
 * The GEO commands against redis-server 7.0, replies byte for byte in RESP2 and RESP3: scores,
 * positions and distances to the digits Redis prints, GEOHASH strings, every search form and
 * option, the order of results (ties included, with and without COUNT), STORE / STOREDIST /
 * GEOSEARCHSTORE results, and every error. A property test searches random points (poles, the
 * antimeridian, tiny and huge radii, boxes) on both servers.
 */
import { it } from 'node:test';
import fc from 'fast-check';
import { diffSuite, runSteps, type Step } from '../helpers/differential.js';

const SICILY = ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];
const POINTS = [
  'GEOADD', 'pts',
  '13.361389', '38.115556', 'Palermo',
  '15.087269', '37.502669', 'Catania',
  '12.758489', '38.788135', 'edge1',
  '17.241510', '38.788135', 'edge2',
  '13.5', '37.9', 'a',
  '13.5', '37.9', 'b',
  '13.5', '37.9', 'c',
  '14.0', '38.0', 'd',
  '14.0', '38.0', 'e',
  '-0.0001', '0', 'nearzero',
];
const ALL_Z = ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'];

diffSuite('geo: GEOADD', (t) => {
  t.case('adds points with geohash scores, counts new members', [
    SICILY,
    ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
    ['TYPE', 'Sicily'],
    ['OBJECT', 'ENCODING', 'Sicily'],
    ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo'],
    ['GEOADD', 'Sicily', '13.361390', '38.115556', 'Palermo', '1', '1', 'x'],
    ['ZSCORE', 'Sicily', 'Palermo'],
  ]);
  t.case('NX, XX and CH', [
    SICILY,
    ['GEOADD', 'Sicily', 'NX', '1', '1', 'Palermo', '2', '2', 'new'],
    ['GEOADD', 'Sicily', 'XX', '3', '3', 'Palermo', '4', '4', 'nope'],
    ['GEOADD', 'Sicily', 'xx', 'ch', '5', '5', 'Palermo', '5', '5', 'Catania'],
    ['GEOADD', 'Sicily', 'CH', 'nx', '6', '6', 'Palermo', '7', '7', 'other'],
    ['GEOADD', 'Sicily', 'ch', 'ch', '8', '8', 'other'],
    ['GEOADD', 'missing', 'XX', '1', '1', 'a'],
    ['EXISTS', 'missing'],
    ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
  ]);
  t.case('edges of the indexable area', [
    ['GEOADD', 'k', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '180', '0', 'e', '-180', '0', 'w', '0', '85.05112878', 'n'],
    ['GEOADD', 'k', '0', '0', 'origin', '-0', '-0', 'negzero', '1e-300', '-1e-300', 'tiny'],
    ['ZRANGE', 'k', '0', '-1', 'WITHSCORES'],
    ['GEOPOS', 'k', 'ne', 'sw', 'e', 'w', 'n', 'origin', 'negzero', 'tiny'],
    ['GEOHASH', 'k', 'ne', 'sw', 'e', 'w', 'n', 'origin', 'negzero', 'tiny'],
  ]);
  t.case('invalid coordinates, floats and syntax', [
    ['GEOADD', 'k', '200', '100', 'x'],
    ['GEOADD', 'k', '180.0000001', '0', 'x'],
    ['GEOADD', 'k', '0', '85.05112879', 'x'],
    ['GEOADD', 'k', '0', '-85.05112879', 'x'],
    ['GEOADD', 'k', '-0', '90', 'x'],
    ['GEOADD', 'k', 'inf', '0', 'x'],
    ['GEOADD', 'k', '-inf', '0', 'x'],
    ['GEOADD', 'k', '1e300', '0', 'x'],
    ['GEOADD', 'k', '-1e-9', '91', 'x'],
    ['GEOADD', 'k', '0.0078125', '91', 'x'],
    ['GEOADD', 'k', '0.0234375', '91', 'x'],
    ['GEOADD', 'k', 'abc', '0', 'x'],
    ['GEOADD', 'k', '0', 'nan', 'x'],
    ['GEOADD', 'k', '1', '1', 'ok', '2', 'bad', 'x'],
    ['EXISTS', 'k'],
    ['GEOADD', 'k', 'NX', 'XX', '1', '2', 'x'],
    ['GEOADD', 'k', 'GT', '1', '2', 'x'],
    ['GEOADD', 'k', '1', '2', 'x', '3'],
    ['GEOADD', 'k', 'ch', 'ch', 'ch'],
    ['GEOADD', 'k', 'nx', 'ch', 'xx', 'ch'],
    ['GEOADD', 'k', '1', '2'],
    ['SET', 's', 'v'],
    ['GEOADD', 's', '1', '2', 'x'],
  ]);
});

diffSuite('geo: GEOPOS GEOHASH GEODIST', (t) => {
  t.case('GEOPOS: coordinates as Redis prints them, null for missing members', [
    SICILY,
    ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope'],
    ['GEOPOS', 'Sicily'],
    ['GEOPOS', 'nokey', 'a', 'b'],
    ['GEOPOS', 'nokey'],
  ]);
  t.case('GEOHASH: 11-character standard geohashes', [
    SICILY,
    ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope'],
    ['GEOHASH', 'Sicily'],
    ['GEOHASH', 'nokey', 'a'],
  ]);
  t.case('GEODIST in every unit, any case', [
    SICILY,
    ['GEODIST', 'Sicily', 'Palermo', 'Catania'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'm'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'KM'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'Ft'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'mI'],
    ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
    ['GEODIST', 'Sicily', 'Palermo', 'nope'],
    ['GEODIST', 'Sicily', 'nope', 'Palermo'],
    ['GEODIST', 'nokey', 'a', 'b'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'],
    ['GEODIST', 'nokey', 'a', 'b', 'yd'],
    ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x'],
  ]);
  t.case('small and antipodal distances', [
    ['GEOADD', 'k', '0', '0', 'a', '0.000001', '0', 'b', '0', '0.000001', 'c', '180', '0', 'anti', '-179.999999', '0', 'anti2', '10', '80', 'n1', '-170', '80', 'n2'],
    ['GEODIST', 'k', 'a', 'b'],
    ['GEODIST', 'k', 'a', 'c'],
    ['GEODIST', 'k', 'a', 'c', 'km'],
    ['GEODIST', 'k', 'a', 'anti'],
    ['GEODIST', 'k', 'a', 'anti2', 'mi'],
    ['GEODIST', 'k', 'n1', 'n2'],
    ['GEODIST', 'k', 'anti', 'anti2', 'ft'],
  ]);
  t.case('sorted set members with arbitrary scores decode as Redis decodes them', [
    ['ZADD', 'z', '0', 'zero', '1.5', 'frac', '-1', 'neg', '4503599627370496', 'two52', '1e300', 'huge', '-1e300', 'neghuge', 'inf', 'pinf', '-inf', 'ninf', '18014398509481983', 'big'],
    ['GEOPOS', 'z', 'zero', 'frac', 'neg', 'two52', 'huge', 'neghuge', 'pinf', 'ninf', 'big'],
    ['GEOHASH', 'z', 'zero', 'frac', 'neg', 'two52', 'huge', 'neghuge', 'pinf', 'ninf', 'big'],
    ['GEODIST', 'z', 'zero', 'neg'],
    ['GEODIST', 'z', 'huge', 'pinf', 'km'],
  ]);
  t.case('from scripts: coordinates as Lua sees them in RESP2 and RESP3', [
    SICILY,
    ['EVAL', "return redis.call('GEOPOS', KEYS[1], 'Palermo', 'nope')", '1', 'Sicily'],
    // (A RESP3 null inside a script's table is a scripting matter: Redis makes it nil, Cinder false.)
    ['EVAL', "redis.setresp(3); return redis.call('GEOPOS', KEYS[1], 'Palermo', 'Catania')", '1', 'Sicily'],
    ['EVAL', "redis.setresp(3); return redis.call('GEOSEARCH', KEYS[1], 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'WITHCOORD', 'WITHDIST', 'WITHHASH', 'ASC')", '1', 'Sicily'],
    ['EVAL', "return redis.call('GEODIST', KEYS[1], 'Palermo', 'Catania')", '1', 'Sicily'],
    ['EVAL', "return redis.call('GEOADD', KEYS[1], 1, 2, 'lua')", '1', 'Sicily'],
  ]);
  t.case('WRONGTYPE', [
    ['SET', 's', 'v'],
    ['GEOPOS', 's', 'a'],
    ['GEOHASH', 's', 'a'],
    ['GEODIST', 's', 'a', 'b'],
    ['GEODIST', 's', 'a', 'b', 'yd'],
  ]);
});

diffSuite('geo: searches', (t) => {
  t.case('GEORADIUS with every reply option', [
    POINTS,
    ['GEORADIUS', 'pts', '15', '37', '200', 'km'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'ASC'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'DESC'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'WITHDIST'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'WITHCOORD'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'WITHHASH'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'withhash', 'withcoord', 'withdist', 'desc'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km'],
    ['GEORADIUS', 'pts', '15', '37', '0', 'm'],
    ['GEORADIUS', 'pts', '13.5', '37.9', '0', 'm', 'WITHDIST'],
    ['GEORADIUS', 'pts', '0', '0', '20', 'm', 'WITHDIST', 'WITHCOORD'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'MI', 'WITHDIST'],
    ['GEORADIUS', 'pts', '15', '37', '200000', 'FT', 'WITHDIST'],
  ]);
  t.case('COUNT, COUNT ANY and ties in distance', [
    POINTS,
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '1'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '3', 'WITHDIST'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '3', 'DESC', 'WITHDIST'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '100'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '2', 'ANY'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'ANY', 'COUNT', '2', 'ASC'],
    ['GEORADIUS', 'pts', '15', '37', '500', 'km', 'COUNT', '4', 'ANY', 'DESC'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '14', '38', 'BYRADIUS', '300', 'km', 'WITHDIST'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '14', '38', 'BYRADIUS', '300', 'km', 'COUNT', '4'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '14', '38', 'BYRADIUS', '300', 'km', 'COUNT', '5', 'DESC'],
  ]);
  t.case('ties in larger sets, sorted fully and partially', [
    ['GEOADD', 'many', ...Array.from({ length: 60 }, (_, i) => [String(10 + (i % 5) * 0.01), String(40 + (i % 3) * 0.01), `m${i}`]).flat()],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km', 'ASC'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km', 'DESC'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km', 'COUNT', '7'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km', 'COUNT', '45', 'DESC'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.0', '40.0', 'BYBOX', '5', '5', 'km', 'COUNT', '13', 'WITHDIST'],
    ['GEOSEARCH', 'many', 'FROMLONLAT', '10.0', '40.0', 'BYBOX', '5', '5', 'km', 'COUNT', '13', 'ANY'],
    ['GEOSEARCHSTORE', 'dst', 'many', 'FROMLONLAT', '10.02', '40.01', 'BYRADIUS', '50', 'km', 'COUNT', '9', 'STOREDIST'],
    ALL_Z,
  ]);
  t.case('GEORADIUSBYMEMBER and the _RO forms', [
    POINTS,
    ['GEORADIUSBYMEMBER', 'pts', 'Palermo', '200', 'km', 'WITHDIST', 'ASC'],
    ['GEORADIUSBYMEMBER', 'pts', 'a', '100', 'km', 'COUNT', '3'],
    ['GEORADIUSBYMEMBER_RO', 'pts', 'Palermo', '200', 'km', 'WITHCOORD', 'DESC'],
    ['GEORADIUS_RO', 'pts', '15', '37', '200', 'km', 'WITHHASH', 'COUNT', '2'],
    ['GEORADIUS_RO', 'pts', '15', '37', '200', 'km', 'STORE', 'dst'],
    ['GEORADIUSBYMEMBER_RO', 'pts', 'Palermo', '200', 'km', 'STOREDIST', 'dst'],
    ['GEORADIUSBYMEMBER', 'pts', 'nope', '200', 'km'],
    ['GEORADIUSBYMEMBER', 'pts', 'nope', 'abc', 'km'],
    ['GEORADIUSBYMEMBER', 'pts', 'Palermo', 'abc', 'km'],
    ['GEORADIUSBYMEMBER', 'pts', 'Palermo', '-1', 'km'],
    ['GEORADIUSBYMEMBER', 'pts', 'Palermo', '1', 'yd'],
  ]);
  t.case('GEOSEARCH FROMMEMBER / FROMLONLAT, BYRADIUS / BYBOX', [
    POINTS,
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHDIST'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '100', 'km', 'DESC'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '15', '37', 'BYBOX', '100', '400', 'km'],
    ['GEOSEARCH', 'pts', 'frommember', 'a', 'bybox', '0', '0', 'm', 'withdist'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'FROMMEMBER', 'Catania', 'BYRADIUS', '10', 'km'],
    ['GEOSEARCH', 'pts', 'BYRADIUS', '500', 'mi', 'FROMLONLAT', '14', '38', 'COUNT', '2', 'WITHDIST'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '0', '0', 'BYBOX', '50', '50', 'm', 'WITHCOORD'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '0', '0', 'BYBOX', '10', '10', 'm', 'WITHCOORD'],
  ]);
  t.case('GEORADIUS STORE / STOREDIST and GEOSEARCHSTORE', [
    POINTS,
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'STORE', 'dst'],
    ALL_Z,
    ['OBJECT', 'ENCODING', 'dst'],
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'STOREDIST', 'dst', 'COUNT', '2'],
    ALL_Z,
    ['GEORADIUS', 'pts', '15', '37', '200', 'km', 'STORE', 'other', 'STOREDIST', 'dst', 'DESC', 'COUNT', '3'],
    ALL_Z,
    ['EXISTS', 'other'],
    ['GEORADIUSBYMEMBER', 'pts', 'Palermo', '100', 'mi', 'STOREDIST', 'dst'],
    ALL_Z,
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km'],
    ALL_Z,
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'STOREDIST', 'COUNT', '3', 'ANY'],
    ALL_Z,
    ['SET', 'dst', 'string'],
    ['EXPIRE', 'dst', '100'],
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMLONLAT', '15', '37', 'BYRADIUS', '300', 'km', 'STOREDIST', 'ASC'],
    ['TTL', 'dst'],
    ALL_Z,
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMLONLAT', '100', '37', 'BYRADIUS', '1', 'km'],
    ['EXISTS', 'dst'],
    ['SET', 'dst', 'v'],
    ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['EXISTS', 'dst'],
    ['SET', 'dst', 'v'],
    ['GEORADIUS', 'nokey', '1', '1', '1', 'km', 'STORE', 'dst'],
    ['EXISTS', 'dst'],
    ['GEORADIUS', 'nokey', '1', '1', '1', 'km', 'STORE', 'dst'],
  ]);
  t.case('stored results larger than a listpack', [
    ['GEOADD', 'big', ...Array.from({ length: 200 }, (_, i) => [String(i * 0.001), String(i * 0.001), `p${i}`]).flat()],
    ['GEOSEARCHSTORE', 'dst', 'big', 'FROMLONLAT', '0', '0', 'BYRADIUS', '100', 'km'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['ZRANGE', 'dst', '0', '5', 'WITHSCORES'],
    ['GEOSEARCHSTORE', 'dst', 'big', 'FROMLONLAT', '0', '0', 'BYRADIUS', '100', 'km', 'COUNT', '128'],
    ['OBJECT', 'ENCODING', 'dst'],
    ['OBJECT', 'ENCODING', 'big'],
    ['GEOSEARCH', 'big', 'FROMLONLAT', '0.1', '0.1', 'BYRADIUS', '5', 'km', 'WITHDIST', 'COUNT', '10'],
    ['GEOSEARCH', 'big', 'FROMLONLAT', '0.1', '0.1', 'BYRADIUS', '5', 'km', 'COUNT', '10', 'ANY'],
  ]);
  t.case('missing source key', [
    ['GEORADIUS', 'nokey', '1', '1', '1', 'km'],
    ['GEORADIUS', 'nokey', '1', '1', 'x', 'km'],
    ['GEORADIUSBYMEMBER', 'nokey', 'm', 'abc', 'parsec'],
    ['GEORADIUSBYMEMBER', 'nokey', 'm', '1', 'km', 'STORE', 'dst'],
    ['GEORADIUSBYMEMBER', 'nokey', 'm', '1', 'km', 'bogus'],
    ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'nokey', 'FROMLONLAT', '200', '1', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'yd'],
    ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x'],
  ]);
  t.case('errors', [
    POINTS,
    ['GEORADIUS', 'pts', '15', '37', '-1', 'km'],
    ['GEORADIUS', 'pts', '15', '37', 'abc', 'km'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'yd'],
    ['GEORADIUS', 'pts', '200', '37', '1', 'km'],
    ['GEORADIUS', 'pts', 'x', '37', '1', 'km'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'ANY'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'COUNT', '0'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'COUNT', '-3'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'COUNT', 'x'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'COUNT'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'STORE'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'STORE', 'dst', 'WITHDIST'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'WITHHASH', 'STOREDIST', 'dst'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'FROMMEMBER', 'a'],
    ['GEORADIUS', 'pts', '15', '37', '1', 'km', 'bogus'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'WITHDIST'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '1', '2', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '1', '1', 'km', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '-1', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '1', '-1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', 'w', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '1', 'h', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '1', '1', 'yd'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYBOX', '1', '1'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', '1', '100', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMLONLAT', 'x', '1', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STORE', 'dst'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STOREDIST'],
    ['GEOSEARCH', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'ANY'],
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'WITHDIST'],
    ['GEOSEARCHSTORE', 'dst', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km', 'STORE', 'x'],
    ['GEOSEARCHSTORE', 'dst', 'pts', 'BYRADIUS', '1', 'km', 'STOREDIST'],
    ['geosearchstore', 'dst', 'pts', 'FROMMEMBER', 'a', 'STOREDIST', 'ASC'],
    ['SET', 's', 'v'],
    ['GEORADIUS', 's', '1', '1', '1', 'km'],
    ['GEORADIUS', 's', '200', '1', '1', 'km'],
    ['GEOSEARCH', 's', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCHSTORE', 'dst', 's', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCHSTORE', 's', 'pts', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'],
    ['TYPE', 's'],
  ]);
  t.case('arity', [
    ['GEOADD', 'k', '1', '2'],
    ['GEODIST', 'k', 'a'],
    ['GEOHASH'],
    ['GEOPOS'],
    ['GEORADIUS', 'k', '1', '2', '3'],
    ['GEORADIUS_RO', 'k', '1', '2', '3'],
    ['GEORADIUSBYMEMBER', 'k', 'm', '1'],
    ['GEORADIUSBYMEMBER_RO', 'k', 'm', '1'],
    ['GEOSEARCH', 'k', 'FROMMEMBER', 'm', 'BYRADIUS', '1'],
    ['GEOSEARCHSTORE', 'd', 'k', 'FROMMEMBER', 'm', 'BYRADIUS', '1'],
  ]);
});

diffSuite('geo: poles, antimeridian and huge radii', (t) => {
  const polar = [
    'GEOADD', 'w',
    '179.9999', '0', 'east', '-179.9999', '0', 'west', '180', '10', 'e180', '-180', '-10', 'w180',
    '0', '85.05', 'north', '90', '85.05112878', 'north2', '0', '-85.05', 'south', '-90', '-84', 'south2',
    '10', '70', 'arctic', '-170', '70', 'arctic2', '0', '0', 'origin', '100', '-30', 'x', '-60', '45', 'y',
  ];
  t.case('searches across the antimeridian', [
    polar,
    ['GEORADIUS', 'w', '180', '0', '100', 'km', 'WITHDIST', 'ASC'],
    ['GEORADIUS', 'w', '-180', '0', '2000', 'km', 'WITHDIST', 'ASC'],
    ['GEOSEARCH', 'w', 'FROMMEMBER', 'east', 'BYBOX', '100', '100', 'km', 'ASC', 'WITHCOORD'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '180', '5', 'BYBOX', '3000', '3000', 'km', 'ASC'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '-180', '-5', 'BYRADIUS', '2000', 'km', 'DESC', 'WITHHASH'],
  ]);
  t.case('searches near the poles', [
    polar,
    ['GEORADIUS', 'w', '0', '85', '500', 'km', 'WITHDIST', 'ASC'],
    ['GEORADIUS', 'w', '45', '85.05112878', '2000', 'km', 'WITHDIST', 'ASC'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '0', '-85.05112878', 'BYBOX', '5000', '500', 'km', 'ASC'],
    ['GEOSEARCH', 'w', 'FROMMEMBER', 'arctic', 'BYRADIUS', '3000', 'km', 'ASC', 'WITHDIST'],
    ['GEOSEARCH', 'w', 'FROMMEMBER', 'arctic', 'BYBOX', '20000', '3000', 'km', 'ASC', 'WITHDIST'],
  ]);
  t.case('huge radii and boxes', [
    polar,
    ['GEORADIUS', 'w', '0', '0', '20000', 'km', 'WITHDIST', 'ASC'],
    ['GEORADIUS', 'w', '0', '0', '100000', 'km'],
    ['GEORADIUS', 'w', '0', '0', '1e300', 'km', 'COUNT', '3', 'DESC'],
    ['GEORADIUS', 'w', '0', '0', 'inf', 'm', 'COUNT', '3'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '10', '10', 'BYBOX', '40000', '40000', 'km', 'ASC', 'WITHDIST'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '10', '10', 'BYBOX', '1e20', '1e20', 'mi'],
    ['GEOSEARCH', 'w', 'FROMLONLAT', '10', '10', 'BYRADIUS', '8000', 'mi', 'COUNT', '4', 'ANY'],
  ]);
});

diffSuite('geo: command table', (t) => {
  const names = ['geoadd', 'geodist', 'geohash', 'geopos', 'georadius', 'georadius_ro', 'georadiusbymember', 'georadiusbymember_ro', 'geosearch', 'geosearchstore'];
  t.case('COMMAND INFO matches', names.map((n) => ['COMMAND', 'INFO', n]));
  t.case('COMMAND GETKEYS', [
    ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '2', '3', 'km', 'STORE', 'd'],
    ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '2', '3', 'km', 'STOREDIST', 'd'],
    ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '2', '3', 'km', 'STORE', 'd', 'STOREDIST', 'e'],
    ['COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '1', '2', '3', 'km'],
    ['COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'k', 'm', '3', 'km', 'COUNT', '3', 'STORE', 'd'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'GEORADIUSBYMEMBER', 'k', 'm', '3', 'km', 'STOREDIST', 'd'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'GEOSEARCHSTORE', 'd', 'k', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
    ['COMMAND', 'GETKEYS', 'GEOADD', 'k', '1', '2', 'm'],
  ]);
});

/** Random coordinates with the edges over-represented. */
const lon = fc.oneof(
  fc.double({ min: -180, max: 180, noNaN: true }),
  fc.constantFrom(-180, 180, 179.99999, -179.99999, 0, 0.5, -0.5),
  fc.integer({ min: -180, max: 180 }),
);
const lat = fc.oneof(
  fc.double({ min: -85.05112878, max: 85.05112878, noNaN: true }),
  fc.constantFrom(-85.05112878, 85.05112878, 85, -85, 80.5, -80.5, 66.5, 0),
  fc.integer({ min: -85, max: 85 }),
);
const fmt = (x: number) => String(x);
const unit = fc.constantFrom('m', 'km', 'mi', 'ft');
const distance = fc.oneof(
  fc.constantFrom('0', '1', '50', '1000', '5000', '20000', '1e7', '0.001'),
  fc.double({ min: 0, max: 30000, noNaN: true }).map(fmt),
);
const options = fc.record({
  order: fc.constantFrom([], ['ASC'], ['DESC']),
  count: fc.constantFrom([], ['COUNT', '1'], ['COUNT', '3'], ['COUNT', '10'], ['COUNT', '2', 'ANY'], ['COUNT', '5', 'ANY']),
  with: fc.subarray(['WITHDIST', 'WITHCOORD', 'WITHHASH']),
});

diffSuite('geo: random points and searches against redis-server (property)', (t) => {
  // Clusters: some members share coordinates, so ties in distance are common.
  const points = fc.array(fc.tuple(lon, lat, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 40 });
  const search = fc.oneof(
    fc.tuple(lon, lat, distance, unit, options).map(([x, y, r, u, o]) => ['GEOSEARCH', 'g', 'FROMLONLAT', fmt(x), fmt(y), 'BYRADIUS', r, u, ...o.order, ...o.count, ...o.with]),
    fc.tuple(lon, lat, distance, distance, unit, options).map(([x, y, w, h, u, o]) => ['GEOSEARCH', 'g', 'FROMLONLAT', fmt(x), fmt(y), 'BYBOX', w, h, u, ...o.order, ...o.count, ...o.with]),
    fc.tuple(fc.integer({ min: 0, max: 39 }), distance, unit, options).map(([m, r, u, o]) => ['GEOSEARCH', 'g', 'FROMMEMBER', `p${m}`, 'BYRADIUS', r, u, ...o.order, ...o.count, ...o.with]),
    fc.tuple(lon, lat, distance, unit, options).map(([x, y, r, u, o]) => ['GEORADIUS', 'g', fmt(x), fmt(y), r, u, ...o.order, ...o.count, ...o.with]),
    fc.tuple(fc.integer({ min: 0, max: 39 }), distance, distance, unit, options, fc.boolean()).map(([m, w, h, u, o, dist]) => [
      'GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', `p${m}`, 'BYBOX', w, h, u, ...o.order, ...o.count, ...(dist ? ['STOREDIST'] : []),
    ]),
    fc.tuple(fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 39 }), unit).map(([a, b, u]) => ['GEODIST', 'g', `p${a}`, `p${b}`, u]),
  );
  it('searches, distances and positions match', async () => {
    await fc.assert(
      fc.asyncProperty(points, fc.array(search, { minLength: 1, maxLength: 8 }), fc.constantFrom<2 | 3>(2, 3), async (pts, searches, resp) => {
        const add = ['GEOADD', 'g'];
        let n = 0;
        for (const [x, y, copies] of pts) for (let k = 0; k < copies; k++) add.push(fmt(x), fmt(y), `p${n++}`);
        const steps: Step[] = [add, ['GEOPOS', 'g', ...Array.from({ length: Math.min(n, 40) }, (_, i) => `p${i}`)], ['GEOHASH', 'g', 'p0', 'p1', 'p2']];
        for (const s of searches) {
          steps.push(s);
          if (s[0] === 'GEOSEARCHSTORE') steps.push(ALL_Z);
        }
        await runSteps(t.ports, steps, resp);
      }),
      { numRuns: 150, seed: 1717 },
    );
  });
});
