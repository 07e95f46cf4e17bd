// The slow-body attack of `npm run bench:load` (issue #12 item 7: 260 sockets sending their body
// at 1 byte/s once held every verification slot for 20 s). `sockets` connections are kept open
// throughout: each sends the headers of a JSON POST /v1/verify at once, then its body one byte
// per second; when the server closes one (the edge reads bodies under BODY_DEADLINE_MS = 5 s and
// answers 408, src/http/body.ts), a new one replaces it at once.
//
// Bounded: at most `sockets` open at a time; a connection closed before it was answered (e.g.
// refused by the per-address cap) is replaced only after 1 s; at most sockets × (seconds + 10)
// connections in all; stop() closes every socket.
import net from 'node:net';

export interface SlowBodyOptions {
  host: string;
  port: number;
  sockets: number;
  /** Client addresses, in turn (127.0.0.0/8 on Linux). */
  localAddresses: readonly string[];
  seconds: number;
}

export interface SlowBodyResult {
  opened: number;
  /** "408 REQUEST_TIMEOUT", "closed without answer", "refused at once", "error ECONNRESET"… → count. */
  outcomes: Record<string, number>;
  /** Time from connect to close of the connections the server closed, ms. */
  lifetimeP50: number;
  lifetimeMax: number;
  /** Fewest connections open at a one-second sample once all had been opened (≈ sockets). */
  minOpen: number;
  maxOpen: number;
}

const BODY = Buffer.from(`{"qr":"HC1:${'6BF'.repeat(300)}"}`);

export function slowBodyAttack(opts: SlowBodyOptions): { stop(): Promise<SlowBodyResult> } {
  const open = new Set<{ socket: net.Socket; sent: number }>();
  const outcomes: Record<string, number> = {};
  const lifetimes: number[] = [];
  const budget = opts.sockets * (opts.seconds + 10);
  let opened = 0;
  let running = true;
  let minOpen = Infinity;
  let maxOpen = 0;
  let rampedUp = false;
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  const connect = (n: number) => {
    if (!running || opened >= budget) return;
    opened++;
    const localAddress = opts.localAddresses[n % opts.localAddresses.length]!;
    const socket = net.connect({ host: opts.host, port: opts.port, localAddress });
    const conn = { socket, sent: 0 };
    let connectedAt = 0;
    let answer = '';
    let error = '';
    socket.setNoDelay(true);
    socket.on('connect', () => {
      connectedAt = performance.now();
      open.add(conn);
      socket.write(
        `POST /v1/verify HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`,
      );
    });
    socket.on('data', (d: Buffer) => {
      if (answer.length < 4096) answer += d.toString('latin1');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => {
      open.delete(conn);
      const lived = connectedAt ? performance.now() - connectedAt : 0;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
      const code = /"code":"([A-Z_]+)"/.exec(answer)?.[1];
      if (!running && !status) return; // closed by stop()
      if (status) count(code ? `${status} ${code}` : status);
      else if (error) count(`error ${error}`);
      else if (lived < 100) count('refused at once');
      else count('closed without answer');
      if (status || lived >= 100) lifetimes.push(lived);
      // Replace it: at once after an answer, after 1 s otherwise (a refusal must not spin).
      if (running) setTimeout(() => connect(n), status ? 0 : 1_000);
    });
  };

  // One ticker for all sockets: one more body byte per second each; also samples how many are open.
  const ticker = setInterval(() => {
    for (const c of open) {
      if (c.sent < BODY.length && !c.socket.destroyed) c.socket.write(BODY.subarray(c.sent, ++c.sent));
    }
    if (rampedUp) minOpen = Math.min(minOpen, open.size);
    maxOpen = Math.max(maxOpen, open.size);
    rampedUp = true;
  }, 1_000);
  // Spread the first connections over one second, so their deadlines do not all fall together.
  const ramp: NodeJS.Timeout[] = [];
  for (let i = 0; i < opts.sockets; i++) ramp.push(setTimeout(() => connect(i), (i * 1000) / opts.sockets));

  return {
    async stop() {
      running = false;
      clearInterval(ticker);
      for (const t of ramp) clearTimeout(t);
      for (const c of open) c.socket.destroy();
      await new Promise((r) => setTimeout(r, 50));
      lifetimes.sort((a, b) => a - b);
      return {
        opened,
        outcomes,
        lifetimeP50: Math.round(lifetimes[Math.floor(lifetimes.length / 2)] ?? 0),
        lifetimeMax: Math.round(lifetimes.at(-1) ?? 0),
        minOpen: minOpen === Infinity ? 0 : minOpen,
        maxOpen,
      };
    },
  };
}
