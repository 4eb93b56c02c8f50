// @great-detail/whatsapp: a typed, thin client (ky underneath) whose message bodies are Meta's own.
//
// Base URL: the documented `prefixUrl` constructor option (default https://graph.facebook.com);
// `graphVersion` is the path version. The token goes in as the README shows, an Authorization
// header in `request.headers`. Webhooks: `webhook.eventNotification()` on the raw body, then
// `verifySignature(appSecret)`; the library hands back the parsed notification to walk.

import Client from '@great-detail/whatsapp';

export const name = '@great-detail/whatsapp';

export function create(cfg) {
  const auth = { Authorization: `Bearer ${cfg.token}` };
  const sdk = new Client({ prefixUrl: cfg.baseUrl, graphVersion: cfg.apiVersion, request: { headers: auth } });
  const phoneNumberID = cfg.phoneNumberId;

  // ky rejects on a non-2xx answer with an HTTPError; keep Meta's error text for the report.
  const call = async (promise) => {
    try {
      return await (await promise).json();
    } catch (e) {
      if (e?.response) {
        const text = await e.response.text().catch(() => '');
        throw new Error(`HTTP ${e.response.status}: ${text.slice(0, 300)}`);
      }
      throw e;
    }
  };
  const message = async (to, type, content, contextId, callbackData) => {
    const r = await call(sdk.message.createMessage({
      phoneNumberID, to, type, [type]: content, ...(contextId ? { context: { message_id: contextId } } : {}),
      ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
    }));
    return r.messages?.[0]?.id;
  };

  return {
    sendText: ({ to, body, contextId }) => message(to, 'text', { body }, contextId),
    sendTemplate: ({ to, name: template, language, bodyParams, callbackData }) => message(to, 'template', {
      name: template, language: { code: language },
      ...(bodyParams ? { components: [{ type: 'body', parameters: bodyParams.map((text) => ({ type: 'text', text })) }] } : {}),
    }, undefined, callbackData),
    sendImage: ({ to, link, id, caption }) => message(to, 'image', { ...(id ? { id } : { link }), caption }),
    sendDocument: ({ to, link, caption, filename }) => message(to, 'document', { link, caption, filename }),
    sendAudio: ({ to, link }) => message(to, 'audio', { link }),
    sendVideo: ({ to, link, caption }) => message(to, 'video', { link, caption }),
    sendSticker: ({ to, link }) => message(to, 'sticker', { link }),
    sendLocation: ({ to, latitude, longitude, name: place, address }) => message(to, 'location', { latitude, longitude, name: place, address }),
    sendContacts: ({ to, formattedName, firstName, phone }) => message(to, 'contacts', [
      { name: { formatted_name: formattedName, first_name: firstName }, phones: [{ phone, type: 'CELL' }] }]),
    sendButtons: ({ to, body, buttons }) => message(to, 'interactive', {
      type: 'button', body: { text: body },
      action: { buttons: buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
    }),
    sendList: ({ to, body, button, sectionTitle, rows }) => message(to, 'interactive', {
      type: 'list', body: { text: body }, action: { button, sections: [{ title: sectionTitle, rows }] },
    }),
    sendReaction: ({ to, messageId, emoji }) => message(to, 'reaction', { message_id: messageId, emoji }),

    markRead: async ({ messageId }) =>
      (await call(sdk.message.createStatus({ phoneNumberID, message_id: messageId, status: 'read' }))).success,
    typing: async ({ messageId }) => (await call(sdk.message.createStatus({
      phoneNumberID, message_id: messageId, status: 'read', typing_indicator: { type: 'text' },
    }))).success,

    uploadMedia: async ({ bytes, mime, filename }) =>
      (await call(sdk.media.upload({ phoneNumberID, file: new Blob([bytes], { type: mime }), filename, mimeType: mime }))).id,
    mediaInfo: ({ id }) => call(sdk.media.getURL({ mediaID: id })),
    downloadMedia: async ({ id }) => {
      const { url } = await call(sdk.media.getURL({ mediaID: id }));
      // Meta's media URLs need the token too; the library's download() takes it per request.
      try {
        return new Uint8Array(await (await sdk.media.download({ mediaURL: url, request: { headers: auth } })).arrayBuffer());
      } catch (e) {
        throw e?.response ? new Error(`download answered HTTP ${e.response.status}`) : e;
      }
    },
    deleteMedia: async ({ id }) => (await call(sdk.media.delete({ mediaID: id }))).success,

    listTemplates: async () => (await call(sdk.template.list(cfg.wabaId, {}))).data,
    createTemplate: ({ name: template, language, category, bodyText, example }) => call(sdk.template.create(cfg.wabaId, {
      name: template, language, category,
      components: [{ type: 'BODY', text: bodyText, ...(example ? { example: { body_text: [example] } } : {}) }],
    })),
    deleteTemplate: async ({ name: template }) => (await call(sdk.template.delete(cfg.wabaId, { name: template }))).success,

    getProfile: async () => (await call(sdk.businessProfile.getBusinessProfile({
      phoneNumberID, fields: ['about', 'address', 'description', 'email', 'profile_picture_url', 'websites', 'vertical'],
    }))).data?.[0],
    updateProfile: async ({ about }) => (await call(sdk.businessProfile.updateBusinessProfile({ phoneNumberID, about }))).success,

    getPhoneNumber: () => call(sdk.phoneNumbers.getPhoneNumber({
      phoneNumberID, fields: ['id', 'display_phone_number', 'verified_name', 'quality_rating'],
    })),
    listPhoneNumbers: async () => (await call(sdk.phoneNumbers.listPhoneNumbers({ businessAccountID: cfg.wabaId }))).data,

    webhook: async (raw, headers) => {
      const event = await sdk.webhook.eventNotification({ method: 'POST', query: {}, body: raw.toString('utf8'), headers });
      try {
        await event.verifySignature(cfg.webhookSecret); // as the README: throws when the signature does not match
      } catch (e) {
        return { verified: false, error: `signature rejected (${e?.message})` };
      }
      const messages = [];
      const statuses = [];
      for (const entry of event.eventNotification.entry ?? []) {
        for (const change of entry.changes ?? []) {
          const value = change.value ?? {};
          for (const m of value.messages ?? []) {
            const contact = (value.contacts ?? []).find((c) => c.wa_id === m.from);
            messages.push({ id: m.id, from: m.from, name: contact?.profile?.name, type: m.type, text: m.text?.body,
              buttonReply: m.interactive?.button_reply });
          }
          for (const s of value.statuses ?? []) {
            statuses.push({ id: s.id, status: s.status, recipient: s.recipient_id, callbackData: s.biz_opaque_callback_data });
          }
        }
      }
      return { verified: true, messages, statuses };
    },
  };
}
