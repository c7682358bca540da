/**
 * Sessions, presence and a leaderboard.
 *   npm run build && node dist/examples/state.js
 */
import { Leaderboard, Presence, Sessions } from '../src/toolkit/state.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();

const sessions = new Sessions<{ user: string; theme?: string }>(client, { ttlMs: 30 * 60_000 });
const sid = await sessions.create({ user: 'ann' });
await sessions.update(sid, { theme: 'dark' });
console.log(`session: ${JSON.stringify(await sessions.get(sid))}`);

const room = new Presence(client, 'example-room');
await room.heartbeat('ann');
await room.heartbeat('bob');
await room.typing('bob');
console.log(`online: ${(await room.online()).sort().join(', ')}; typing: ${(await room.whoIsTyping()).join(', ')}`);

const board = Leaderboard.daily(client, 'example-game');
for (const [player, points] of [['ann', 120], ['bob', 90], ['cy', 150], ['dee', 60]] as const) await board.incr(player, points);
console.log(`top 3: ${(await board.top(3)).map((r) => `${r.rank}. ${r.member} ${r.score}`).join(' | ')}`);
console.log(`around bob: ${(await board.around('bob', 1)).map((r) => r.member).join(', ')}`);
await sessions.destroy(sid);
close();
