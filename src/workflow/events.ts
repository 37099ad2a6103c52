/**
 * Workflow events on the message bus: every committed step/run event is published on the topic
 * `workflow.events` (message_type = the event type, content = the WorkflowEvent) for monitors,
 * the dashboard and tests. Publishing happens after the commit and never blocks or fails a run:
 * the events are in `workflow_events` either way.
 */
import { randomUUID } from 'node:crypto';
import type { MessageBus } from '../bus/bus.js';
import type { WorkflowEvent } from '../protocol/workflow.js';
import { errorMessage } from '../errors.js';
import { WORKFLOW_ENGINE_ID } from './invoker.js';

export const WORKFLOW_EVENTS_TOPIC = 'workflow.events';

export function busEventPublisher(bus: MessageBus, log?: (line: string) => void): (e: WorkflowEvent) => void {
  return (e) => {
    bus.publish(WORKFLOW_EVENTS_TOPIC, {
      message_id: randomUUID(),
      timestamp: e.at,
      from_agent: WORKFLOW_ENGINE_ID,
      message_type: e.type,
      content: e as unknown as Record<string, unknown>,
    }).catch((err: unknown) => log?.(`workflow: could not publish ${e.type} on ${WORKFLOW_EVENTS_TOPIC}: ${errorMessage(err)}`));
  };
}

/** One human line per event, for progress on stderr. */
export function describeEvent(e: WorkflowEvent): string {
  const step = e.stepKey ? ` ${e.stepKey}` : '';
  const attempt = e.attempt && e.attempt > 1 ? ` (attempt ${e.attempt})` : '';
  const err = e.error ? `: ${e.error.code}: ${e.error.message}` : '';
  return `${e.type}${step}${attempt}${err}`;
}
