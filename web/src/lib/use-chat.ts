import { onBeforeUnmount, onMounted, shallowRef, type ShallowRef } from 'vue';
import { ChatClient } from './chat-client.js';
import type { ChatState } from './chat-state.js';
import type { SocketLike } from './connection.js';

/** Binds a ChatClient to a component's life: starts on mount, stops on unmount. */
export function useChat(name: string, accessToken?: () => Promise<string | undefined>): { state: ShallowRef<ChatState>; client: ChatClient } {
  const client = new ChatClient({
    name,
    ...(accessToken ? { accessToken } : {}),
    fetch: (input, init) => fetch(input, init),
    // The browser WebSocket's handler types are narrower than SocketLike's; the shape is the same.
    createSocket: (url, protocol) => new WebSocket(url, protocol) as unknown as SocketLike,
  });
  const state = shallowRef(client.state);
  const unsubscribe = client.subscribe((next) => {
    state.value = next;
  });
  const onOnline = () => client.retryNow();
  onMounted(() => {
    window.addEventListener('online', onOnline);
    client.start();
  });
  onBeforeUnmount(() => {
    window.removeEventListener('online', onOnline);
    unsubscribe();
    client.stop();
  });
  return { state, client };
}
