// Against a real SDK's published declarations (the openai package, a devDependency): its client, built in
// the worker, is typed as a synchronous proxy; chat.completions.create() keeps its overloads, so
// `stream: true` gives something iterable with `for…of` whose items are ChatCompletionChunk, and no stream
// gives the ChatCompletion itself.
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Model } from 'openai/resources/models';
import type { Remote } from 'syncbridge';
import { syncify } from 'syncbridge';

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

type Create = Remote<InstanceType<typeof OpenAI>>['chat']['completions']['create'];
declare const create: Create;
const messages = [{ role: 'user' as const, content: 'Say hi' }];

const stream = create({ model: 'gpt-4o-mini', messages, stream: true });
for (const chunk of stream) {
  expectType<Equal<typeof chunk, ChatCompletionChunk>>();
  const delta: string | null | undefined = chunk.choices[0]?.delta.content;
  void delta;
}
// @ts-expect-error a stream is not a completion
void stream.choices;

const completion = create({ model: 'gpt-4o-mini', messages });
const asDeclared: ChatCompletion = completion;
// The SDK declares its awaited value as ChatCompletion plus its request id (WithRequestID<ChatCompletion>).
expectType<Equal<typeof completion, ChatCompletion & { _request_id?: string | null }>>();
expectType<Equal<typeof completion.choices, ChatCompletion['choices']>>();
const explicit: ChatCompletion = create({ model: 'gpt-4o-mini', messages, stream: false });
// @ts-expect-error a completion is not iterable
for (const _ of completion) void _;
// @ts-expect-error the result is the completion, not a promise of it
void completion.then;
// @ts-expect-error the SDK's overloads still check the parameters
create({ model: 'gpt-4o-mini' });
void asDeclared;
void explicit;

// The same through syncify() and the published declarations: the module's class export is constructible,
// `using` frees the client, and an auto-paginating list is iterated synchronously.
const { OpenAI: SyncOpenAI } = syncify<typeof import('openai')>('openai');
{
  using client = new SyncOpenAI({ apiKey: 'sk-test' });
  const reply = client.chat.completions.create({ model: 'gpt-4o-mini', messages });
  const content: string | null | undefined = reply.choices[0]?.message.content;
  for (const chunk of client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true })) {
    expectType<Equal<typeof chunk, ChatCompletionChunk>>();
  }
  for (const model of client.models.list()) expectType<Equal<typeof model, Model>>();
  void content;
}
