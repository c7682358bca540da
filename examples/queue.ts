/**
 * A reliable job queue: a worker dies holding a job, another finishes it; a poison job is retried
 * with backoff and lands in the dead list.
 *   npm run build && node dist/examples/queue.js
 */
import { Queue } from '../src/toolkit/queue.js';
import { exampleClient } from './connection.js';

const { client, close } = exampleClient();
const emails = new Queue<{ to: string }>(client, 'example-emails', { visibilityMs: 300, maxAttempts: 3, backoffMs: 50 });
await emails.add({ to: 'ann@example.com' });
await emails.add({ to: 'bob@example.com' });
await emails.add({ to: 'poison' });

// This worker takes a job and crashes before acknowledging it.
const crashed = await emails.take();
console.log(`a worker took the job for ${crashed?.data.to} and died`);

const sent: string[] = [];
const worker = emails.process(
  async (job) => {
    if (job.data.to === 'poison') throw new Error('invalid address');
    sent.push(job.data.to);
  },
  { concurrency: 2, pollMs: 50 },
);
while (sent.length < 2 || (await emails.counts()).dead < 1) await new Promise((r) => setTimeout(r, 50));
await worker.stop();
console.log(`sent: ${sent.sort().join(', ')}; dead: ${(await emails.deadJobs()).map((j) => j.data.to).join(', ')}`);
close();
