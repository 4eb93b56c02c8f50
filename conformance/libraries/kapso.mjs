// @kapso/whatsapp-cloud-api: typed helpers (camelCase in, snake_case on the wire) and server
// utilities for webhooks.
//
// Base URL: the documented `baseUrl` constructor option (default https://graph.facebook.com),
// with `graphVersion`; the token is `accessToken`. Webhooks: `verifySignature({appSecret,
// rawBody, signatureHeader})` and `normalizeWebhook(payload)` from the `/server` entry point,
// exactly as the README's Express example.

import { WhatsAppClient, GraphApiError, buildTemplatePayload } from '@kapso/whatsapp-cloud-api';
import { normalizeWebhook, verifySignature } from '@kapso/whatsapp-cloud-api/server';

export const name = '@kapso/whatsapp-cloud-api';

export function create(cfg) {
  const client = new WhatsAppClient({ accessToken: cfg.token, baseUrl: cfg.baseUrl, graphVersion: cfg.apiVersion });
  const phoneNumberId = cfg.phoneNumberId;

  const call = async (fn) => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof GraphApiError) {
        throw new Error(`HTTP ${e.httpStatus} code ${e.code}: ${e.message}`);
      }
      throw e;
    }
  };
  const id = (r) => r?.messages?.[0]?.id;
  const m = client.messages;

  return {
    sendText: ({ to, body, contextId }) => call(async () => id(await m.sendText({
      phoneNumberId, to, body, ...(contextId ? { contextMessageId: contextId } : {}),
    }))),
    sendTemplate: ({ to, name: template, language, bodyParams, callbackData }) => call(async () => id(await m.sendTemplate({
      phoneNumberId, to, ...(callbackData ? { bizOpaqueCallbackData: callbackData } : {}),
      template: bodyParams
        ? buildTemplatePayload({ name: template, language, components: [{ type: 'body', parameters: bodyParams.map((text) => ({ type: 'text', text })) }] })
        : { name: template, language: { code: language } },
    }))),
    sendImage: ({ to, link, id: mediaId, caption }) => call(async () => id(await m.sendImage({
      phoneNumberId, to, image: { ...(mediaId ? { id: mediaId } : { link }), caption },
    }))),
    sendDocument: ({ to, link, caption, filename }) => call(async () => id(await m.sendDocument({ phoneNumberId, to, document: { link, caption, filename } }))),
    sendAudio: ({ to, link }) => call(async () => id(await m.sendAudio({ phoneNumberId, to, audio: { link } }))),
    sendVideo: ({ to, link, caption }) => call(async () => id(await m.sendVideo({ phoneNumberId, to, video: { link, caption } }))),
    sendSticker: ({ to, link }) => call(async () => id(await m.sendSticker({ phoneNumberId, to, sticker: { link } }))),
    sendLocation: ({ to, latitude, longitude, name: place, address }) => call(async () => id(await m.sendLocation({
      phoneNumberId, to, location: { latitude, longitude, name: place, address },
    }))),
    sendContacts: ({ to, formattedName, firstName, phone }) => call(async () => id(await m.sendContacts({
      phoneNumberId, to, contacts: [{ name: { formattedName, firstName }, phones: [{ phone, type: 'CELL' }] }],
    }))),
    sendButtons: ({ to, body, buttons }) => call(async () => id(await m.sendInteractiveButtons({ phoneNumberId, to, bodyText: body, buttons }))),
    sendList: ({ to, body, button, sectionTitle, rows }) => call(async () => id(await m.sendInteractiveList({
      phoneNumberId, to, bodyText: body, buttonText: button, sections: [{ title: sectionTitle, rows }],
    }))),
    sendReaction: ({ to, messageId, emoji }) => call(async () => id(await m.sendReaction({ phoneNumberId, to, reaction: { messageId, emoji } }))),

    markRead: ({ messageId }) => call(async () => (await m.markRead({ phoneNumberId, messageId })).success),
    typing: ({ messageId }) => call(async () => (await m.markRead({ phoneNumberId, messageId, typingIndicator: { type: 'text' } })).success),

    uploadMedia: ({ bytes, mime, filename }) => call(async () => (await client.media.upload({
      phoneNumberId, type: mime, file: new Blob([bytes], { type: mime }), fileName: filename,
    })).id),
    mediaInfo: ({ id: mediaId }) => call(async () => {
      const r = await client.media.get({ mediaId });
      return { url: r.url, mime_type: r.mimeType, sha256: r.sha256, file_size: r.fileSize, id: r.id };
    }),
    // download() resolves the URL with get() and fetches the bytes, as the README describes.
    downloadMedia: ({ id: mediaId }) => call(async () => {
      const res = await client.media.download({ mediaId, as: 'response' });
      if (!res.ok) {
        throw new Error(`download answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      }
      return new Uint8Array(await res.arrayBuffer());
    }),
    deleteMedia: ({ id: mediaId }) => call(async () => (await client.media.delete({ mediaId })).success),

    listTemplates: () => call(async () => (await client.templates.list({ businessAccountId: cfg.wabaId })).data),
    createTemplate: ({ name: template, language, category, bodyText, example }) => call(() => client.templates.create({
      businessAccountId: cfg.wabaId, name: template, language, category,
      components: [{ type: 'BODY', text: bodyText, ...(example ? { example: { bodyText: [example] } } : {}) }],
    })),
    deleteTemplate: ({ name: template }) => call(async () => (await client.templates.delete({ businessAccountId: cfg.wabaId, name: template })).success),

    getProfile: () => call(async () => {
      const r = await client.phoneNumbers.businessProfile.get({ phoneNumberId });
      const p = r?.data?.[0];
      return p && { ...p, messaging_product: p.messagingProduct };
    }),
    updateProfile: ({ about }) => call(async () => (await client.phoneNumbers.businessProfile.update({ phoneNumberId, about })).success),

    webhook: async (raw, headers) => {
      const verified = verifySignature({ appSecret: cfg.webhookSecret, rawBody: raw, signatureHeader: headers['x-hub-signature-256'] });
      if (!verified) {
        return { verified: false, error: 'signature rejected' };
      }
      const events = normalizeWebhook(JSON.parse(raw.toString('utf8')));
      return {
        verified: true,
        messages: events.messages.map((msg) => ({
          id: msg.id, from: msg.from, type: msg.type, text: msg.text?.body,
          name: events.contacts.find((c) => c.waId === msg.from)?.profile?.name,
          buttonReply: msg.interactive?.buttonReply,
        })),
        statuses: events.statuses.map((s) => ({ id: s.id, status: s.status, recipient: s.recipientId, callbackData: s.bizOpaqueCallbackData })),
      };
    },
  };
}
