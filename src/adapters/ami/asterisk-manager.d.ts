/** The parts of asterisk-manager 0.2.0 (no published types) that ami-client.ts uses. */
declare module 'asterisk-manager' {
  type Message = Record<string, unknown>;
  interface Manager {
    options: { port: number | undefined; host: string; username: string; password: string; events: boolean };
    on(event: string, listener: (...args: any[]) => void): Manager;
    once(event: string, listener: (...args: any[]) => void): Manager;
    removeAllListeners(event?: string): Manager;
    connect(port: number, host: string, callback?: (err: Error | null) => void): void;
    login(callback?: (err?: Message) => void): void;
    action(action: Record<string, string | undefined>, callback?: (err: Message | undefined, res: Message) => void): string;
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
  }
  function AsteriskManager(port?: number, host?: string, username?: string, password?: string, events?: boolean): Manager;
  export default AsteriskManager;
}
