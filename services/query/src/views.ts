import type { Message, Thread } from '@threadweaver/proto';
import type { MessageView, ThreadView } from '@threadweaver/readmodel';

/** A read-model thread as the `threadweaver.v1.Thread` message. */
export function toProtoThread(view: ThreadView): Thread {
  return {
    id: view.id,
    creatorId: view.creatorId,
    parentThreadId: view.parentThreadId,
    title: view.title,
    remarks: view.remarks,
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
    sequenceNr: view.sequenceNr,
  };
}

/** A read-model message as the `threadweaver.v1.Message` message. */
export function toProtoMessage(view: MessageView): Message {
  return {
    id: view.id,
    threadId: view.threadId,
    senderId: view.senderId,
    text: view.text,
    replyMessageId: view.replyMessageId,
    toAccountIds: [...view.toAccountIds],
    createdAt: view.createdAt,
    updatedAt: view.updatedAt,
  };
}
