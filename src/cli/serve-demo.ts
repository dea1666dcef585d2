/** `gim serve-demo`: the demo page for a run or pack on http://127.0.0.1:<port>/ (src/demo/server.ts); runs until stopped. */
import type http from 'node:http';
import { demoContent, demoServer, ortWebDir } from '../demo/server.js';
import { parseModule } from './export.js';

/** A run folder (`run`) or a packed model (`from`, gim pack), as program.ts's modelSource gives them; and: */
export type ServeDemoCommandArgs = ({ run: string } | { from: string }) & {
  /** 1-based module number as typed, or undefined for the last module. */
  module?: string | undefined;
  gallery?: string | undefined;
  port: string;
  host: string;
};

const MAX_PORT = 65535;

/** serveDemoCommand(args): build the encoder and gallery, start listening, print the address; resolves to the server. */
export async function serveDemoCommand(args: ServeDemoCommandArgs): Promise<http.Server> {
  const port = Number(args.port);
  if (!/^\d+$/.test(args.port) || port > MAX_PORT) throw new Error(`--port ${args.port}: expected 0 to ${MAX_PORT}`);
  const ortDir = ortWebDir(); // before the encoder and gallery are built: a missing runtime fails at once
  const source = 'run' in args ? { run: args.run } : { from: args.from };
  const content = await demoContent({
    ...source,
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
  console.log(`demo page for ${source.run ?? source.from}: http://${args.host}:${bound}/ (Ctrl-C stops it)`);
  return server;
}
