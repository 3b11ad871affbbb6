#!/usr/bin/env node
// An MCP server made with the pinned TypeScript SDK (its low-level Server on
// stdio), for what the reference servers do not do:
//   - tools/list in pages of three (nextCursor), ten tools in all;
//   - tools/call of `reject` answers a JSON-RPC error -32602 (invalid params);
//   - tools/call of `ask_ping` pings the client first (a request from the
//     server), and answers once the client has answered it.
// Usage: node paged_server.mjs PEERS_DIR
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const sdk = path.join(process.argv[2], 'node_modules', '@modelcontextprotocol', 'sdk', 'dist', 'esm');
const load = (file) => import(pathToFileURL(path.join(sdk, file)).href);
const { Server } = await load('server/index.js');
const { StdioServerTransport } = await load('server/stdio.js');
const { ListToolsRequestSchema, CallToolRequestSchema, McpError, ErrorCode } = await load('types.js');

const tools = [];
for (let i = 0; i < 8; ++i) {
  tools.push({ name: `tool_${i}`, description: `tool number ${i}`, inputSchema: { type: 'object' },
               annotations: { readOnlyHint: i % 2 === 0 } });
}
tools.push({ name: 'reject', inputSchema: { type: 'object' } });
tools.push({ name: 'ask_ping', inputSchema: { type: 'object' } });

const server = new Server({ name: 'paged-server', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async (request) => {
  const start = Number(request.params?.cursor ?? '0');
  const page = tools.slice(start, start + 3);
  const next = start + 3 < tools.length ? String(start + 3) : undefined;
  return next === undefined ? { tools: page } : { tools: page, nextCursor: next };
});
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const name = request.params.name;
  if (name === 'reject') throw new McpError(ErrorCode.InvalidParams, 'reject wants nothing at all');
  if (name === 'ask_ping') {
    await server.ping();
    return { content: [{ type: 'text', text: 'the client answered my ping' }] };
  }
  return { content: [{ type: 'text', text: `${name} ran with ${JSON.stringify(request.params.arguments ?? {})}` }] };
});
await server.connect(new StdioServerTransport());
