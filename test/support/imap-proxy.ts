/**
 * A TCP proxy in front of the test Dovecot that plays two kinds of trouble a real server
 * causes (clear-text IMAP only: it reads the command stream, so the bot talks to it with
 * IMAP_TLS=none):
 * - `silentIdle`: an IDLE that says nothing. What the server sends during IDLE (`* 3
 *   EXISTS`, …) is held back until the client ends IDLE with DONE, then delivered before
 *   the server's answer to it, as Cyrus IMAP without `idled` behaves: new mail is reported
 *   only in answer to the client's next command.
 * - `dropAll()` / `refuse`: connections cut, and new ones turned away, as when the server
 *   restarts or the network goes.
 */
import net from 'node:net';

export interface ImapProxy {
  port: number;
  /** Hold back whatever the server says during IDLE until the client sends DONE. */
  silentIdle: boolean;
  /** Close every new connection at once. */
  refuse: boolean;
  /** Cuts every open connection. */
  dropAll(): void;
  stop(): Promise<void>;
}

/** One client connection and its server side: the server's IDLE output held while idling. */
function pipePair(client: net.Socket, server: net.Socket, proxy: ImapProxy): void {
  let idling = false;
  let held = '';
  client.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    if (idling && /^DONE\r\n/.test(text)) {
      idling = false;
      if (held) client.write(Buffer.from(held, 'latin1'));
      held = '';
    } else if (/^\S+ IDLE\r\n$/.test(text)) {
      idling = proxy.silentIdle;
    }
    server.write(chunk);
  });
  server.on('data', (chunk: Buffer) => {
    if (!idling) {
      client.write(chunk);
      return;
    }
    // The continuation (`+ idling`) goes through: the client waits for it to be in IDLE.
    held += chunk.toString('latin1');
    for (let end = held.indexOf('\r\n'); end >= 0 && held.startsWith('+'); end = held.indexOf('\r\n')) {
      client.write(Buffer.from(held.slice(0, end + 2), 'latin1'));
      held = held.slice(end + 2);
    }
  });
  const close = () => {
    client.destroy();
    server.destroy();
  };
  for (const socket of [client, server]) {
    socket.on('close', close);
    socket.on('error', close);
  }
}

export async function startImapProxy(target: { host: string; port: number }): Promise<ImapProxy> {
  const sockets = new Set<net.Socket>();
  const listener = net.createServer();
  const proxy: ImapProxy = {
    port: 0,
    silentIdle: false,
    refuse: false,
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    stop: () =>
      new Promise((resolve) => {
        proxy.dropAll();
        listener.close(() => resolve());
      }),
  };
  listener.on('connection', (client) => {
    if (proxy.refuse) {
      client.destroy();
      return;
    }
    const server = net.connect(target.port, target.host);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    pipePair(client, server, proxy);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  proxy.port = (listener.address() as net.AddressInfo).port;
  return proxy;
}
