import { InvalidArgumentError } from './errors.js';
import { limits } from './limits.js';

/** What {@link requireMessagesWithinLimits} reads of each message (the shape before or after ids are assigned). */
export interface SizedMessage {
  readonly text: string;
  readonly toAccountIds: readonly string[];
}

/**
 * The per-call limits of AddMessages that bound the size of its event:
 * 1–100 messages, at most 256 KiB of UTF-8 text and 1,000 addressed
 * accounts in all. Together with the per-message limits they keep every
 * accepted request within one journal item (README: "Limits"). Cheap and
 * allocation-free, so the command service runs it before it mints any id;
 * the per-message checks (length in characters, id syntax) stay in decide.
 */
export function requireMessagesWithinLimits(messages: readonly SizedMessage[]): void {
  // Checked as unknown: adapters pass decoded input through.
  const list: unknown = messages;
  if (!Array.isArray(list)) throw new InvalidArgumentError('messages', 'must be a list of messages');
  if (messages.length < limits.messagesPerCallMin || messages.length > limits.messagesPerCallMax) {
    throw new InvalidArgumentError('messages', `must hold ${limits.messagesPerCallMin} to ${limits.messagesPerCallMax} messages, got ${messages.length}`);
  }
  let textBytes = 0;
  let addressed = 0;
  for (const message of messages) {
    if (typeof message?.text === 'string') textBytes += utf8Length(message.text);
    if (Array.isArray(message?.toAccountIds)) addressed += message.toAccountIds.length;
  }
  if (textBytes > limits.messageTextBytesPerCallMax) {
    throw new InvalidArgumentError('messages', `must hold at most ${limits.messageTextBytesPerCallMax} bytes (256 KiB) of UTF-8 text in all, got ${textBytes}`);
  }
  if (addressed > limits.toAccountIdsPerCallMax) {
    throw new InvalidArgumentError('messages', `must address at most ${limits.toAccountIdsPerCallMax} accounts in all (to_account_ids), got ${addressed}`);
  }
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD, 3 bytes, as the encoder writes it). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
