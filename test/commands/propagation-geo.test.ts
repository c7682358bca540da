/**
 * What the GEO commands propagate to replicas, compared with a real Redis 7.0 replica stream:
 * GEOADD as the ZADD Redis rewrites it into (computed scores, options as sent), GEORADIUS /
 * GEORADIUSBYMEMBER with STORE or STOREDIST and GEOSEARCHSTORE as sent when they change the
 * destination, nothing for reads, no-ops and errors.
 */
import { propagationSuite } from '../helpers/propagation.js';

const PLACES = ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania', '13.5', '37.9', 'a'];

propagationSuite('propagation: geo sets', (t) => {
  t.case('GEOADD propagates as ZADD with the geohash scores and the options as sent', [
    PLACES,
    ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'],
    ['geoadd', 'g', 'nx', 'ch', '1', '2', 'Palermo', '3', '4', 'new'],
    ['GEOADD', 'g', 'XX', 'CH', '5', '6', 'Palermo', '7', '8', 'nope'],
    ['GEOADD', 'g', 'XX', '5', '6', 'Palermo'],
    ['GEOADD', 'g', '180', '85.05112878', 'corner', '-180', '-85.05112878', 'corner2'],
  ]);
  t.case('GEOADD errors propagate nothing', [
    ['GEOADD', 'g', '200', '0', 'x'],
    ['GEOADD', 'g', 'x', '0', 'x'],
    ['GEOADD', 'g', 'NX', 'XX', '1', '2', 'x'],
    ['GEOADD', 'g', 'ch', 'ch', 'ch'],
    ['SET', 's', 'v'],
    ['GEOADD', 's', '1', '2', 'x'],
  ]);
  t.case('GEORADIUS and GEORADIUSBYMEMBER propagate only with STORE / STOREDIST', [
    PLACES,
    ['GEORADIUS', 'g', '15', '37', '200', 'km'],
    ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst'],
    ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STOREDIST', 'dst', 'COUNT', '1'],
    ['GEORADIUS', 'g', '100', '37', '1', 'km', 'STORE', 'dst'],
    ['GEORADIUS', 'g', '100', '37', '1', 'km', 'STORE', 'dst'],
    ['GEORADIUSBYMEMBER', 'g', 'Palermo', '100', 'km'],
    ['GEORADIUSBYMEMBER', 'g', 'Palermo', '100', 'km', 'STOREDIST', 'dst2', 'DESC'],
    ['GEORADIUSBYMEMBER', 'missing', 'Palermo', '100', 'km', 'STORE', 'dst2'],
    ['GEORADIUSBYMEMBER', 'missing', 'Palermo', '100', 'km', 'STORE', 'dst2'],
    ['GEORADIUS_RO', 'g', '15', '37', '200', 'km'],
    ['GEORADIUSBYMEMBER_RO', 'g', 'Palermo', '200', 'km'],
    ['GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'dst', 'WITHDIST'],
  ]);
  t.case('GEOSEARCHSTORE propagates as sent when it writes or deletes the destination', [
    PLACES,
    ['GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'STOREDIST', 'COUNT', '2'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '100', '37', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '100', '37', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'missing', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km'],
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'],
  ]);
  t.case('inside MULTI', [
    ['MULTI'],
    PLACES,
    ['GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km'],
    ['EXEC'],
  ]);
});
