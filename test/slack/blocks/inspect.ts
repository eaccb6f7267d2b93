import { expect } from "vitest";
import type { types } from "@slack/bolt";
import type { ProposalMessage } from "../../../src/slack/blocks/index.js";

/** Every button in the message, in order. */
export function buttons(message: ProposalMessage): types.Button[] {
  return message.blocks.flatMap((block) => (block.type === "actions" ? block.elements.filter((element): element is types.Button => element.type === "button") : []));
}

/** Every mrkdwn string in the message: section texts, fields, context elements. */
export function mrkdwnTexts(message: ProposalMessage): string[] {
  const texts: string[] = [];
  for (const block of message.blocks) {
    if (block.type === "section") {
      for (const text of [block.text, ...(block.fields ?? [])]) if (text?.type === "mrkdwn") texts.push(text.text);
    }
    if (block.type === "context") {
      for (const element of block.elements) if (element.type === "mrkdwn") texts.push(element.text);
    }
  }
  return texts;
}

/** All of the message's mrkdwn as one string, for wording checks. */
export function allText(message: ProposalMessage): string {
  return mrkdwnTexts(message).join("\n");
}

/** The only control sequences Bender writes: user mentions, dates, and links into GitHub. */
const ALLOWED_SEQUENCE = /^<(?:@[UW][A-Z0-9]{8,20}|!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9T:.+Z-]+|https:\/\/github\.com\/[^\s|<>]+\|[^<>]+)>$/;

/** Fails when any `<…>` in the message is not one Bender meant to write. */
export function expectInert(message: ProposalMessage): void {
  for (const text of mrkdwnTexts(message)) {
    for (const match of text.matchAll(/<[^>]*>?/g)) expect(match[0]).toMatch(ALLOWED_SEQUENCE);
  }
  expect(message.text).not.toMatch(/[<>]/);
}

/** Slack's limits, checked on everything the message holds. */
export function expectWithinSlackLimits(message: ProposalMessage): void {
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  expect(message.text.length).toBeLessThanOrEqual(400);
  expect(message.text).not.toContain("\n");
  for (const block of message.blocks) {
    if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === "section") {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === "context") {
      expect(block.elements.length).toBeLessThanOrEqual(10);
      for (const element of block.elements) if (element.type === "mrkdwn") expect(element.text.length).toBeLessThanOrEqual(3000);
    }
  }
  for (const button of buttons(message)) {
    expect(button.text.text.length).toBeLessThanOrEqual(75);
    expect(button.value?.length ?? 0).toBeLessThanOrEqual(2000);
    if (button.confirm) {
      expect(button.confirm.title?.text.length ?? 0).toBeLessThanOrEqual(100);
      expect(button.confirm.text.text.length).toBeLessThanOrEqual(300);
    }
  }
}
