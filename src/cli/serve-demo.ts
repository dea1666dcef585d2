/** `gim serve-demo`: the demo page for a run or pack on http://127.0.0.1:<port>/ (src/demo/server.ts); runs until stopped. */
import type http from 'node:http';
import { demoContent, demoServer, ortWebDir } from '../demo/server.js';
import { parseModule } from './export.js';

export interface ServeDemoCommandArgs {
  run?: string;
  from?: string;
  module?: string;
  gallery?: string;
  port: string;
  host: string;
}

const MAX_PORT = 65535;

/** serveDemoCommand(args): build the encoder and gallery, start listening, print the address; resolves to the server. */
export async function serveDemoCommand(args: ServeDemoCommandArgs): Promise<http.Server> {
  const port = Number(args.port);
  if (!/^\d+$/.test(args.port) || port > MAX_PORT) throw new Error(`--port ${args.port}: expected 0 to ${MAX_PORT}`);
  const ortDir = ortWebDir(); // before the encoder and gallery are built: a missing runtime fails at once
  const content = await demoContent({
    ...(args.run === undefined ? {} : { run: args.run }),
    ...(args.from === undefined ? {} : { from: args.from }),
    ...(args.gallery === undefined ? {} : { gallery: args.gallery }),
    module: parseModule(args.module),
  });
  const server = demoServer(content, ortDir);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`--port ${args.port}: ${err.message}`, { cause: err })));
    server.listen(port, args.host, resolve);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`demo page for ${args.run ?? args.from}: http://${args.host}:${bound}/ (Ctrl-C stops it)`);
  return server;
}
