// The signer's portal texts (pwa/sign/sign.js), key → [French, English], joined to the one
// table of pwa/js/i18n.js with `addStrings`. A module of their own so the Node tests can read
// them (tests/js/i18n.test.mjs): same keys, same placeholders in both languages.

/** @type {Record<string, [string, string]>} */
export const STRINGS = {
  "sign.loading": ["Chargement…", "Loading…"],
  "sign.title.signature": ["Signature du compte rendu d'activité", "Activity report signature"],
  "sign.title.attestation": ["Attestation de service fait", "Certificate of service performed"],
  "sign.heading": ["Compte rendu d'activité — {month}", "Activity report — {month}"],
  "sign.consultant": ["Consultant·e", "Consultant"],
  "sign.mission": ["Mission", "Assignment"],
  "sign.client": ["Client", "Client"],
  "sign.signer": ["Signataire", "Signer"],
  "sign.date": ["Date", "Date"],
  "sign.days": ["Jours", "Days"],
  "sign.comment": ["Commentaire", "Comment"],
  "sign.total": ["Total", "Total"],
  "sign.version": ["Version du compte rendu", "Report version"],
  "sign.details": ["Détails", "Details"],
  "sign.hash": ["Empreinte du document (SHA-256)", "Document fingerprint (SHA-256)"],
  "sign.hash.why": [
    "Cette empreinte identifie le contenu exact que vous signez : toute modification ultérieure serait détectée.",
    "This fingerprint identifies the exact content you sign: any later change would be detected.",
  ],
  "sign.statement.signature": [
    "En signant, je confirme que ce compte rendu d'activité est exact. Ma signature porte sur le contenu exact affiché ci-dessus.",
    "By signing, I confirm this activity report is accurate. My signature covers the exact content shown above.",
  ],
  "sign.statement.attestation": [
    "En attestant, je confirme que le service décrit ci-dessus a été fait. Mon attestation porte sur le contenu exact affiché ci-dessus.",
    "By attesting, I confirm the service described above was performed. My attestation covers the exact content shown above.",
  ],
  "sign.code.intro": [
    "Avant de créer votre clé de signature, confirmez que vous lisez bien l'adresse {email} : nous y envoyons un code à 6 chiffres.",
    "Before creating your signing passkey, confirm you read the address {email}: we send a 6-digit code there.",
  ],
  "sign.code.send": [
    "Recevoir le code par e-mail",
    "Email me the code",
  ],
  "sign.code.sending": [
    "Envoi du code…",
    "Sending the code…",
  ],
  "sign.code.sent": [
    "Code envoyé à {email}. Il est valable 15 minutes.",
    "Code sent to {email}. It is valid for 15 minutes.",
  ],
  "sign.code.label": [
    "Code reçu par e-mail",
    "Code received by email",
  ],
  "sign.code.verify": [
    "Valider le code",
    "Check the code",
  ],
  "sign.code.verifying": [
    "Vérification du code…",
    "Checking the code…",
  ],
  "sign.code.resend": [
    "Renvoyer un code",
    "Send another code",
  ],
  "sign.code.verified": [
    "Adresse confirmée.",
    "Address confirmed.",
  ],
  "sign.code.demo": [
    "Démonstration sans serveur de messagerie : le code envoyé est {code}.",
    "Demo without a mail server: the code sent is {code}.",
  ],
  "sign.error.wrong_code": [
    "Ce n'est pas le code envoyé. Vérifiez le dernier e-mail reçu.",
    "This is not the code we sent. Check the latest email.",
  ],
  "sign.error.expired": [
    "Ce code a expiré : demandez-en un nouveau.",
    "This code has expired: ask for a new one.",
  ],
  "sign.error.too_many_attempts": [
    "Trop d'essais : demandez un nouveau code.",
    "Too many tries: ask for a new code.",
  ],
  "sign.error.too_many_codes": [
    "Trop de codes envoyés dans l'heure : réessayez plus tard.",
    "Too many codes sent this hour: try again later.",
  ],
  "sign.error.not_verified": [
    "Confirmez d'abord votre adresse avec le code reçu par e-mail.",
    "First confirm your address with the emailed code.",
  ],
  "sign.error.synced_passkey": [
    "Votre entreprise exige une clé d'accès liée à un seul appareil (clé de sécurité, ou appareil qui ne synchronise pas ses clés) : celle-ci est synchronisée.",
    "Your company requires a passkey kept on one device (a security key, or a device that does not sync its passkeys): this one is synced.",
  ],
  "sign.passkey.intro": [
    "Pour signer, créez d'abord une clé d'accès sur cet appareil : elle utilise l'empreinte, le visage ou le code de verrouillage de l'appareil, et aucun secret ne le quitte.",
    "To sign, first create a passkey on this device: it uses the device's fingerprint, face or screen lock, and no secret ever leaves it.",
  ],
  "sign.passkey.replace": [
    "Créez une clé d'accès sur cet appareil. Elle remplacera celle de votre autre appareil, qui ne servira plus à signer.",
    "Create a passkey on this device. It will replace the one on your other device, which will no longer sign.",
  ],
  "sign.passkey.create": ["Créer ma clé d'accès", "Create my passkey"],
  "sign.notHere.title": [
    "Votre clé d'accès n'a pas été utilisée",
    "Your passkey was not used",
  ],
  "sign.notHere.intro": [
    "Rien n'a été signé. L'opération a été annulée, la vérification (empreinte, visage ou code de l'appareil) n'a pas abouti, ou votre clé d'accès n'est pas sur cet appareil : vous l'avez peut-être créée sur votre téléphone ou sur un autre ordinateur.",
    "Nothing was signed. The operation was cancelled, the check (the device's fingerprint, face or code) did not succeed, or your passkey is not on this device: you may have created it on your phone or on another computer.",
  ],
  "sign.notHere.retryHelp": [
    "Si votre clé est sur votre téléphone : réessayez, choisissez « Utiliser un téléphone ou une tablette » (ou « Un autre appareil ») dans la fenêtre qui s'ouvre, puis scannez le QR code avec ce téléphone.",
    "If your passkey is on your phone: try again, choose “Use a phone or tablet” (or “Another device”) in the window that opens, then scan the QR code with that phone.",
  ],
  "sign.notHere.retry": ["Réessayer", "Try again"],
  "sign.notHere.enrolHelp": [
    "Ou utilisez cet appareil : nous envoyons un code à {email}, puis vous créez ici une nouvelle clé d'accès, qui remplacera l'ancienne.",
    "Or use this device: we send a code to {email}, then you create a new passkey here, which replaces the old one.",
  ],
  "sign.notHere.enrol": ["Utiliser cet appareil", "Use this device"],
  "sign.link.title": ["Ce lien ne s'ouvre plus", "This link no longer opens"],
  "sign.link.expired": [
    "Ce lien de signature a expiré, ou un lien plus récent l'a remplacé.",
    "This signature link has expired, or a newer link replaced it.",
  ],
  "sign.link.closed": [
    "Ce compte rendu n'attend plus votre signature par ce lien : il a été renvoyé au consultant ou il a changé d'étape.",
    "This report no longer waits on your signature through this link: it was sent back to the consultant or moved to another step.",
  ],
  "sign.link.signed": [
    "Ce compte rendu a déjà été signé avec ce lien. Il n'y a plus rien à faire.",
    "This report was already signed with this link. There is nothing left to do.",
  ],
  "sign.link.requestHelp": [
    "Demandez un nouveau lien : votre interlocuteur à l'ESN est prévenu et, si le compte rendu attend toujours votre signature, un nouveau lien part à votre adresse e-mail habituelle.",
    "Ask for a new link: your contact at the consulting firm is told and, if the report still waits on your signature, a new link goes to your usual e-mail address.",
  ],
  "sign.link.request": ["Demander un nouveau lien", "Ask for a new link"],
  "sign.link.requesting": ["Envoi de la demande…", "Sending the request…"],
  "sign.link.requested": [
    "Demande envoyée. Si ce compte rendu attend toujours votre signature, le nouveau lien arrive dans quelques minutes dans votre messagerie habituelle. Vous pouvez fermer cette page.",
    "Request sent. If the report still waits on your signature, the new link reaches your usual mailbox within minutes. You may close this page.",
  ],
  "sign.passkey.creating": [
    "Création de la clé d'accès… Suivez les instructions de votre appareil.",
    "Creating the passkey… Follow your device's instructions.",
  ],
  "sign.sign.signature": ["Signer avec ma clé d'accès", "Sign with my passkey"],
  "sign.sign.attestation": ["Attester avec ma clé d'accès", "Attest with my passkey"],
  "sign.sign.progress": [
    "Signature… Suivez les instructions de votre appareil.",
    "Signing… Follow your device's instructions.",
  ],
  "sign.signed.signature": ["Compte rendu signé le {date}.", "Report signed on {date}."],
  "sign.signed.attestation": ["Service fait attesté le {date}.", "Service attested on {date}."],
  "sign.evidence": [
    "Télécharger la preuve de signature (JSON)",
    "Download the signature evidence (JSON)",
  ],
  "sign.pdf": [
    "Télécharger le CRA signé (PDF, preuve jointe)",
    "Download the signed report (PDF, evidence attached)",
  ],
  "sign.closed": [
    "Ce compte rendu n'attend plus votre signature (déjà traité, renvoyé ou réattribué).",
    "This report no longer waits on your signature (done, sent back or reassigned).",
  ],
  "sign.error.gone": [
    "Ce lien de signature ne s'ouvre plus. Demandez-en un nouveau.",
    "This signature link no longer opens. Ask for a new one.",
  ],
  "sign.error.notfound": [
    "Ce lien de signature est introuvable. Vérifiez le lien reçu.",
    "This signature link was not found. Check the link you received.",
  ],
  "sign.error.session": [
    "Ouvrez à nouveau le lien de signature reçu par e-mail.",
    "Open the signature link you received by email again.",
  ],
  "sign.error.unsupported": [
    "Ce navigateur ne gère pas les clés d'accès. Utilisez un navigateur récent.",
    "This browser does not support passkeys. Use a recent browser.",
  ],
  "sign.error.cancelled": [
    "L'opération a été annulée, ou la vérification (empreinte, visage ou code de l'appareil) n'a pas abouti. Réessayez.",
    "The operation was cancelled, or the check (the device's fingerprint, face or code) did not succeed. Try again.",
  ],
  "sign.error.changed": [
    "Le compte rendu a changé depuis son affichage : relisez-le avant de signer.",
    "The report changed since it was shown: read it again before signing.",
  ],
  "sign.error.refused": ["Signature refusée : {detail}", "Signature refused: {detail}"],
  "sign.error.network": [
    "Le serveur est injoignable. Vérifiez la connexion et réessayez.",
    "The server cannot be reached. Check the connection and try again.",
  ],
  "sign.error.other": ["Erreur : {detail}", "Error: {detail}"],
  "sign.halfDay": ["{n} j", "{n} d"],
};
