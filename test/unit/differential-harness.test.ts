import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReplies, frameEnd } from '../helpers/differential.js';

const b = (s: string) => Buffer.from(s, 'latin1');

// The harness must be able to fail: these pin down what each comparison mode accepts.
test('exact comparison rejects any byte difference', () => {
  assert.equal(compareReplies('exact', b('$1\r\na\r\n'), b('$1\r\na\r\n')), true);
  assert.equal(compareReplies('exact', b('$1\r\na\r\n'), b('$1\r\nb\r\n')), false);
  assert.equal(compareReplies('exact', b('_\r\n'), b('$-1\r\n')), false);
});

test('unordered comparison sorts nested aggregates but not scalars', () => {
  assert.equal(compareReplies('unordered', b('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), b('*2\r\n$1\r\nb\r\n$1\r\na\r\n')), true);
  assert.equal(
    compareReplies('unordered', b('*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n'), b('*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n')),
    true,
  );
  assert.equal(compareReplies('unordered', b('*2\r\n$1\r\na\r\n$1\r\nb\r\n'), b('*2\r\n$1\r\na\r\n$1\r\nc\r\n')), false);
  assert.equal(compareReplies('unordered', b('%1\r\n+a\r\n:1\r\n'), b('%1\r\n+a\r\n:2\r\n')), false);
});

test('type comparison looks at the reply type only', () => {
  assert.equal(compareReplies('type', b(':1\r\n'), b(':2\r\n')), true);
  assert.equal(compareReplies('type', b(':1\r\n'), b('$1\r\n1\r\n')), false);
});

test('frameEnd finds complete frames and reports incomplete ones', () => {
  assert.equal(frameEnd(b('*2\r\n$1\r\na\r\n:1\r\n'), 0), 15);
  assert.equal(frameEnd(b('*2\r\n$1\r\na\r\n'), 0), -1);
  assert.equal(frameEnd(b('$3\r\nab'), 0), -1);
  assert.equal(frameEnd(b('%1\r\n+k\r\n_\r\n'), 0), 11);
  assert.equal(frameEnd(b('$-1\r\n'), 0), 5);
});
