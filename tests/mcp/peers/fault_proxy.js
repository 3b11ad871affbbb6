#!/usr/bin/env node
// A real MCP server behind a proxy that misbehaves on purpose, for volley's
// fault tests: node fault_proxy.js MODE -- COMMAND ARGS...
// The proxy starts COMMAND (a reference server), passes the client's lines
// to it and its lines back, except as MODE says:
//   garbage-first        prints a line that is not JSON before anything else
//   garbage-each         prints a line of garbage after every line of the server
//   silent               never passes the server's lines back (initialize never answered)
//   hang-calls           swallows the answers to tools/call (the calls hang)
//   exit-on-call         on the first tools/call, writes to stderr and exits with status 7
//   oversized-call:N     replaces the answer to the first tools/call by a line of N bytes
//   truncate-on-call     on the first tools/call, writes half a message and exits with status 9
//   stderr-flood         writes 1 MiB to stderr at start
// Everything the proxy itself does goes to stderr.
'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');

const separator = process.argv.indexOf('--');
if (separator < 3 || separator + 1 >= process.argv.length) {
  process.stderr.write('usage: fault_proxy.js MODE -- COMMAND ARGS...\n');
  process.exit(2);
}
const mode = process.argv[2];
const [command, ...args] = process.argv.slice(separator + 1);
const server = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
server.on('exit', (code, signal) => process.exit(code === null ? 1 : code));
process.on('SIGTERM', () => { server.kill('SIGTERM'); });

if (mode === 'garbage-first') process.stdout.write('this line is not a JSON-RPC message\n');
if (mode === 'stderr-flood') process.stderr.write('x'.repeat(1 << 20) + '\nthe end of the flood\n');

const callIds = new Set();
let firstCallSeen = false;
const fromClient = readline.createInterface({ input: process.stdin });
fromClient.on('line', (line) => {
  let message = null;
  try { message = JSON.parse(line); } catch (e) { /* pass it on as it is */ }
  if (message && message.method === 'tools/call' && !firstCallSeen) {
    firstCallSeen = true;
    if (mode === 'exit-on-call') {
      process.stderr.write('fault_proxy: exiting on the first tools/call\n');
      process.exit(7);
    }
    if (mode === 'truncate-on-call') {
      process.stdout.write('{"jsonrpc":"2.0","id":' + message.id + ',"result":{"content":[{"type":"te', () => process.exit(9));
      return;
    }
    if (mode.startsWith('oversized-call:')) {
      const size = Number(mode.slice('oversized-call:'.length));
      const head = '{"jsonrpc":"2.0","id":' + message.id + ',"result":{"content":[{"type":"text","text":"';
      const tail = '"}]}}';
      process.stdout.write(head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail + '\n');
      return;
    }
  }
  if (message && message.method === 'tools/call') callIds.add(message.id);
  server.stdin.write(line + '\n');
});
fromClient.on('close', () => server.stdin.end());

const fromServer = readline.createInterface({ input: server.stdout });
fromServer.on('line', (line) => {
  if (mode === 'silent') return;
  if (mode === 'hang-calls') {
    try {
      const message = JSON.parse(line);
      if (message.id !== undefined && callIds.has(message.id) && message.method === undefined) return;
    } catch (e) { /* pass it on */ }
  }
  process.stdout.write(line + '\n');
  if (mode === 'garbage-each') process.stdout.write('<<garbage between messages>>\n');
});
