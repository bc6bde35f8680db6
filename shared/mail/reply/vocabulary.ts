/**
 * The words quoted history is recognised by, in the languages Outlook, Gmail, Apple Mail,
 * Thunderbird and the mobile clients write them. Plain data: the modules beside this one
 * compile them once, at module load.
 */

/** `-----Original Message-----`-style separator titles (between runs of dashes, underscores or equal signs). */
export const separatorTitles = [
  'Original Message', 'Original Nachricht', 'Ursprüngliche Nachricht', 'Originalnachricht', 'Weitergeleitete Nachricht',
  "Message d'origine", 'Message original', 'Message transféré', 'Mensaje original', 'Mensaje reenviado', 'Messaggio originale',
  'Messaggio inoltrato', 'Oorspronkelijk bericht', 'Origineel bericht', 'Doorgestuurd bericht', 'Mensagem original',
  'Mensagem encaminhada', 'Mensagem reencaminhada', 'Originalmeddelande', 'Ursprungligt meddelande', 'Vidarebefordrat meddelande',
  'Oprindelig meddelelse', 'Oprindelig besked', 'Videresendt meddelelse', 'Videresendt besked', 'Opprinnelig melding',
  'Videresendt melding', 'Alkuperäinen viesti', 'Välitetty viesti', 'Wiadomość oryginalna', 'Oryginalna wiadomość',
  'Przekazana wiadomość', 'Původní zpráva', 'Přeposlaná zpráva', 'Pôvodná správa', 'Eredeti üzenet', 'Továbbított üzenet',
  'Orijinal Mesaj', 'İletilen Mesaj', 'Исходное сообщение', 'Пересылаемое сообщение', 'Пересланное сообщение',
  'Оригінальне повідомлення', 'Пересланий лист', 'Forwarded message', 'Forwarded Message', 'Reply message',
  'Edelleenlähetetty viesti', 'Wiadomość przesłana dalej', 'Přeposlaná zpráva', 'Proslijeđena poruka', 'Mesaj redirecționat',
  'Edasisaadetud kiri', 'Preposlaná správa', 'İletilmiş ileti',
  '原始邮件', '原始郵件', '转发邮件', '轉寄郵件', '元のメッセージ', '転送メッセージ', 'メッセージを転送',
];

/** A line of its own that starts a forwarded message: `Begin forwarded message:`. */
export const forwardIntroductions = [
  'Begin forwarded message', 'Forwarded message', 'Anfang der weitergeleiteten Nachricht', 'Début du message réexpédié',
  'Début du message transféré', 'Inicio del mensaje reenviado', 'Inizio messaggio inoltrato', 'Begin doorgestuurd bericht',
  'Início da mensagem reencaminhada', 'Início da mensagem encaminhada', 'Vidarebefordrat brev', 'Videresendt brev',
  'Továbbított levél kezdete', 'Початок листа, що пересилається', 'Начало переадресованного сообщения', 'Początek przekazanej wiadomości',
  'Začátek přeposlané zprávy', 'Doorgestuurd bericht', 'Inicio del mensaje reenviado', 'İletilen posta başlangıcı',
];

/** Field names of a quoted header block (Outlook desktop, web and mobile; Thunderbird and webmail forwards), by role. */
export const headerFields = {
  from: [
    'From', 'Von', 'Absender', 'De', 'Expéditeur', 'Da', 'Mittente', 'Van', 'Afzender', 'Från', 'Avsändare', 'Fra', 'Afsender',
    'Od', 'Nadawca', 'Odesílatel', 'От', 'Від', 'Lähettäjä', 'Feladó', 'Kimden', 'Remitente', 'Remetente', 'Sender',
    'Gönderen', 'Saatja', 'Від кого', 'Pošiljatelj', 'Odosielateľ', 'Expeditor', '送信元', '发件人', '發件人', '寄件者', '差出人', '보낸 사람',
  ],
  date: [
    'Sent', 'Date', 'Sent at', 'Gesendet', 'Datum', 'Envoyé', 'Envoyé le', 'Message du', 'Enviado', 'Enviado el', 'Enviada',
    'Enviada em', 'Fecha', 'Inviato', 'Data', 'Verzonden', 'Verstuurd', 'Skickat', 'Sendt', 'Dato', 'Wysłano', 'Wysłane',
    'Odesláno', 'Отправлено', 'Дата', 'Надіслано', 'Lähetetty', 'Päivämäärä', 'Elküldve', 'Dátum', 'Gönderildi', 'Gönderilme',
    'Tarih', 'Kuupäev', 'Datum i vrijeme', '日付', '发送时间', '發送時間', '日期', '送信日時', '日時', '날짜', '보낸 날짜',
  ],
  to: [
    'To', 'An', 'À', 'A', 'Para', 'Aan', 'Till', 'Til', 'Do', 'Komu', 'Кому', 'Vastaanottaja', 'Címzett', 'Kime', 'Destinataire',
    'Destinatario', 'Destinatário', 'Empfänger', 'Adresát', 'Saaja', 'Prima', 'Către', '送信先', '收件人', '收件者', '宛先', '받는 사람',
  ],
  subject: [
    'Subject', 'Betreff', 'Objet', 'Sujet', 'Asunto', 'Oggetto', 'Onderwerp', 'Assunto', 'Ämne', 'Emne', 'Temat', 'Předmět',
    'Predmet', 'Тема', 'Aihe', 'Tárgy', 'Konu', '主题', '主旨', '件名', '제목',
  ],
  cc: [
    'Cc', 'Kopie', 'Copie', 'Copie à', 'Kopia', 'Kopio', 'DW', 'Копия', 'Копія', 'Másolat', 'Bilgi', 'Kopi', 'Koopia', '抄送', '副本', '참조',
  ],
} as const;
export type HeaderRole = keyof typeof headerFields;

/** Words an attribution line starts with: `On …`, `Am …`, `Le …`, `W dniu …`. */
export const attributionStarts = [
  'On', 'Am', 'Le', 'El', 'Il', 'Il giorno', 'In data', 'Op', 'Em', 'Den', 'På', 'Dne', 'W dniu', 'Dňa', 'En', '在',
];

/** The verb an attribution ends with, before its colon: `… wrote:`, `… schrieb …:`, `… 写道：`. */
export const attributionVerbs = [
  'wrote', 'writes', 'has written', 'schrieb', 'geschrieben', 'a écrit', 'écrit', 'escribió', 'escribio', 'ha escrito',
  'ha scritto', 'scrisse', 'schreef', 'het volgende geschreven', 'geschreven', 'escreveu', 'skrev', 'kirjoitti', 'napisał',
  'napisała', 'napisał(a)', 'pisze', 'napsal', 'napsala', 'napsal(a)', 'napísal', 'írta', 'yazdı', 'написал', 'написала',
  'написал(а)', 'пишет', 'написав', 'написала(в)', 'написав(ла)', 'skrifaði', 'rašė', 'rakstīja', 'kirjutas',
  '写道', '寫道', 'が書きました', 'のメッセージ', '님이 작성',
];

/**
 * How mobile and webmail clients sign (lower case; matched at the start of a short line of
 * its own). Each names a client or device, so a sentence of the customer's is not one.
 */
export const mobileSignatures = [
  'sent from my', 'sent from outlook', 'sent from mail for windows', 'sent from yahoo mail', 'sent from the all new aol app',
  'sent from aol', 'sent from samsung', 'sent from xiaomi', 'sent from huawei', 'sent from proton', 'sent from protonmail',
  'sent from typeapp', 'sent from bluemail', 'sent from blackberry', 'sent from gmail', 'sent from mobile', 'sent from iphone',
  'sent from ipad', 'sent from android', 'sent from tutanota', 'sent via blackberry', 'sent via the samsung', 'sent via mobile', 'sent via outlook', 'sent with spark', 'sent with sparrow',
  'sent with protonmail', 'sent with proton mail', 'sent with blackberry', 'sent with airmail', 'sent using zoho mail', 'sent using mail.com',
  'get outlook for ios',
  'get outlook for android', 'download outlook for', 'von meinem', 'gesendet von meinem', 'gesendet von outlook',
  'gesendet von yahoo', 'gesendet mit', 'gesendet vom', 'outlook für ios', 'outlook für android', 'diese nachricht wurde von meinem',
  'envoyé de mon', "envoyé de l'application", 'envoyé depuis', 'envoyé à partir de', 'télécharger outlook pour',
  'obtenir outlook pour', 'enviado desde mi', 'enviado desde', 'enviado do meu', 'enviado de meu', 'enviado do', 'obtener outlook para',
  'obter o outlook para', 'inviato da', 'inviato dal mio', 'scarica outlook per', 'verzonden vanaf', 'verzonden met',
  'verstuurd vanaf', 'verstuurd met', 'outlook voor ios', 'outlook voor android', 'skickat från', 'skickades från', 'hämta outlook för',
  'sendt fra', 'sendt med', 'hent outlook til', 'få outlook til', 'wysłane z', 'wysłano z', 'pobierz outlook dla', 'odesláno z',
  'odoslané z', 'отправлено с', 'отправлено из', 'надіслано з', 'lähetetty iphonesta', 'lähetetty android', 'lähetetty outlook',
  'iphone-ból küldve', 'iphone’dan gönderildi', 'iphone\'dan gönderildi', '从我的', '發自我的', 'iphoneから送信', 'android から送信',
];
