import type { OutputItem, ResponseObject } from '../../common/openai/types';
import type { SerializedEvent } from '../../events/serialized-event';

const TERMINAL: Record<string, string> = {
  completed: 'response.completed',
  incomplete: 'response.incomplete',
  failed: 'response.failed',
  cancelled: 'response.cancelled',
};

/**
 * The event sequence of a finished response that was not streamed (and so has no event log), rebuilt from the
 * stored object: the same events, in the same order, that streaming it would have sent, each text in one delta.
 */
export function eventsOfFinishedResponse(response: ResponseObject): SerializedEvent[] {
  const events: SerializedEvent[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => {
    const sequenceNumber = events.length;
    events.push({ type, sequenceNumber, json: JSON.stringify({ type, ...fields, sequence_number: sequenceNumber }) });
  };
  const opening = { ...response, status: 'in_progress', output: [], usage: null, completed_at: null, error: null, incomplete_details: null };
  emit('response.created', { response: opening });
  emit('response.in_progress', { response: opening });
  response.output.forEach((item, outputIndex) => itemEvents(item, outputIndex, emit));
  emit(TERMINAL[response.status] ?? 'response.completed', { response });
  return events;
}

function itemEvents(item: OutputItem, output_index: number, emit: (type: string, fields: Record<string, unknown>) => void): void {
  const item_id = item.id;
  switch (item.type) {
    case 'message':
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      item.content.forEach((part, content_index) => {
        const ref = { item_id, output_index, content_index };
        if (part.type === 'output_text') {
          emit('response.content_part.added', { ...ref, part: { ...part, text: '' } });
          if (part.text) emit('response.output_text.delta', { ...ref, delta: part.text, logprobs: [] });
          emit('response.output_text.done', { ...ref, text: part.text, logprobs: [] });
        } else {
          emit('response.content_part.added', { ...ref, part: { ...part, refusal: '' } });
          if (part.refusal) emit('response.refusal.delta', { ...ref, delta: part.refusal });
          emit('response.refusal.done', { ...ref, refusal: part.refusal });
        }
        emit('response.content_part.done', { ...ref, part });
      });
      break;
    case 'function_call':
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      if (item.arguments) emit('response.function_call_arguments.delta', { item_id, output_index, delta: item.arguments });
      emit('response.function_call_arguments.done', { item_id, output_index, name: item.name, arguments: item.arguments });
      break;
    case 'custom_tool_call':
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', input: '' } });
      if (item.input) emit('response.custom_tool_call_input.delta', { item_id, output_index, delta: item.input });
      emit('response.custom_tool_call_input.done', { item_id, output_index, input: item.input });
      break;
    case 'local_shell_call':
    case 'shell_call':
    case 'apply_patch_call':
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress' } });
      break;
    case 'reasoning': {
      const text = item.content?.[0]?.text ?? '';
      emit('response.output_item.added', { output_index, item: { ...item, content: [] } });
      if (text) emit('response.reasoning_text.delta', { item_id, output_index, content_index: 0, delta: text });
      emit('response.reasoning_text.done', { item_id, output_index, content_index: 0, text });
      break;
    }
  }
  emit('response.output_item.done', { output_index, item });
}
