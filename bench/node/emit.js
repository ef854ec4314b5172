'use strict';
// Times Node's own EventEmitter.emit with 1 and 3 listeners doing trivial work (the same as the .NET benchmark's
// listeners), against calling the same functions directly. Plain Node, no packages: `node bench/node/emit.js`.
// Prints the best and median ns/emit over several rounds after a warm-up.

const EventEmitter = require('events');

const OPERATIONS = 1000; // emits per inner loop, as in the .NET benchmark
const WARMUP_LOOPS = 20000; // 20M emits to let V8 optimise the loops
const ROUNDS = 15;
const LOOPS_PER_ROUND = 10000; // 10M emits per round

// `| 0` keeps the sum a 32-bit integer (a small integer in V8, no heap number), like the .NET int that wraps.
let sum = 0;
const first = (value) => { sum = (sum + value) | 0; };
const second = (value) => { sum ^= value; };
const third = (value) => { sum = (sum - (value >> 1)) | 0; };

function emitLoop(emitter) {
  for (let i = 0; i < OPERATIONS; i++) {
    emitter.emit('tick', i);
  }
}

function directOne() {
  for (let i = 0; i < OPERATIONS; i++) {
    first(i);
  }
}

function directThree() {
  for (let i = 0; i < OPERATIONS; i++) {
    first(i);
    second(i);
    third(i);
  }
}

function measure(name, body) {
  for (let i = 0; i < WARMUP_LOOPS; i++) {
    body();
  }

  const perOp = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < LOOPS_PER_ROUND; i++) {
      body();
    }
    const elapsed = Number(process.hrtime.bigint() - start);
    perOp.push(elapsed / (LOOPS_PER_ROUND * OPERATIONS));
  }

  perOp.sort((a, b) => a - b);
  const best = perOp[0];
  const median = perOp[Math.floor(perOp.length / 2)];
  console.log(`${name.padEnd(22)} best ${best.toFixed(2).padStart(6)} ns/emit   median ${median.toFixed(2).padStart(6)} ns/emit`);
  return { best, median };
}

const one = new EventEmitter();
one.on('tick', first);

const three = new EventEmitter();
three.on('tick', first);
three.on('tick', second);
three.on('tick', third);

console.log(`node ${process.version}, ${OPERATIONS * LOOPS_PER_ROUND} emits per round, ${ROUNDS} rounds`);
measure('direct call, 1 fn', directOne);
measure('emit, 1 listener', () => emitLoop(one));
measure('direct calls, 3 fns', directThree);
measure('emit, 3 listeners', () => emitLoop(three));
console.log(`(checksum ${sum})`);
