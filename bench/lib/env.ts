/** Identity shared by the emulator and the BFF (the emulator checks the client secret, as CloudBase does). */
export const BENCH_ENV = {
  envId: 'bench-env',
  clientId: 'bench-client',
  clientSecret: 'bench-client-secret',
  sessionSecret: 'bench-session-secret-0123456789abcdef-0123456789',
  /** 32 bytes in base64: seals the tokens in sessions (a fixed key: bench data is throwaway) */
  tokenKeys: 'bench:YmVuY2gtdG9rZW4ta2V5LTAxMjM0NTY3ODlhYmNkZWY=',
  cookieName: 'cbg.sid',
  keyPrefix: 'cbg:',
  proxyName: 'echo',
  refreshSkewS: 60,
};
