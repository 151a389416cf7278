import type { Logger } from 'pino';

export interface TlsOptions {
  /** PEM CA bundle (string or Buffer) to trust, for servers with a private CA. */
  ca?: string | Buffer;
  /** PEM client certificate and key, for servers that require mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** SNI name when it differs from the host. */
  servername?: string;
  /** Defaults to true; turn off only for local testing. */
  rejectUnauthorized?: boolean;
}

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url?: string;
  /** Redis Cluster startup nodes: `host:port,host:port` or a list. Takes precedence over `url`. */
  clusterNodes?: string | ClusterNodeAddress[];
  /** ACL user and password, overriding those in the URL (e.g. from a secret store). */
  username?: string;
  password?: string;
  tls?: TlsOptions;
  /**
   * How long a connection may take to become ready before `RS_CONNECTION` (default 10000): a
   * server that accepts and never answers, a slow TLS handshake, a server still loading. A
   * refused connection or an unknown host at the first connect fails at once instead: nothing
   * will answer there.
   */
  connectTimeoutMs?: number;
  /**
   * Fail commands at once while disconnected instead of queueing them until the connection is
   * back. Producers behind an HTTP API want this (answer 503 now); consumers do not.
   */
  failFast?: boolean;
  /** Client name prefix shown by CLIENT LIST (`<name>:commands`, `<name>:reader`). */
  clientName?: string;
  logger?: Logger;
}
