// An SDK as its published declarations describe it: a client class whose resources hang off properties,
// an overloaded create() that returns a value or a stream depending on its arguments, a stream class that is
// async-iterable and has methods of its own, async generators and promise-valued properties. Types only.
export interface Chunk {
  id: string;
  delta: string;
}
export interface Completion {
  id: string;
  text: string;
  usage: { tokens: number; at: Date };
}
export interface CreateParams {
  prompt: string;
  stream?: boolean;
}

export declare class Stream<Item> implements AsyncIterable<Item> {
  controller: AbortController;
  [Symbol.asyncIterator](): AsyncIterator<Item>;
  tee(): [Stream<Item>, Stream<Item>];
  toArray(): Promise<Item[]>;
}

export declare class Completions {
  create(params: CreateParams & { stream: true }): Promise<Stream<Chunk>>;
  create(params: CreateParams & { stream?: false }): Promise<Completion>;
  create(params: CreateParams): Promise<Stream<Chunk> | Completion>;
}

export declare class Chat {
  readonly completions: Completions;
}

export declare class Client {
  constructor(options: { apiKey: string; timeout?: number });
  constructor(apiKey: string);
  static fromEnv(): Promise<Client>;
  static readonly VERSION: string;
  readonly chat: Chat;
  readonly ready: Promise<boolean>;
  apiKey: string;
  protected secret: string;
  models(): AsyncGenerator<{ name: string }, number, undefined>;
  session(): Promise<{ id: string; stream: Stream<Chunk>; tags: string[] }>;
  close(): Promise<void>;
}

export declare function connect(url: string): Promise<Client>;
export declare function connect(options: { host: string; port: number }): Promise<Client>;
export declare const request: {
  (url: string): Promise<string>;
  get(url: string): Promise<{ status: number }>;
  readonly retries: number;
};
export declare const defaults: { timeout: number };
