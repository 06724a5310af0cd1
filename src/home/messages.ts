import { defineMessages } from "../kernel/i18n/index.ts";

/* Messages of the home page. French is the reference text. */
export const homeMessages = defineMessages({
  fr: {
    title: "Accueil",
    description:
      "{service} réunit les briques communes du service public numérique : identité, démarches, échanges de données, dossier citoyen. Logiciel libre, auto-hébergeable.",
    lead: "Un seul guichet pour les briques communes du service public numérique : identité, démarches en ligne, échanges de données entre administrations, dossier citoyen. C’est un logiciel libre (licence EUPL 1.2) que chaque administration peut héberger sur ses propres serveurs.",
    "services.title": "Les services",
    "services.intro": "Ces modules sont en cours de construction : ils seront ouverts au fur et à mesure de leur développement.",
    soon: "Bientôt disponible",
    available: "Disponible",
    identityLink: "Voir mes connexions",
    "identity.title": "Identité",
    "identity.desc":
      "Fédération d’identité OpenID Connect compatible avec FranceConnect, FranceConnect+ et ProConnect, pour les usagers comme pour les agents.",
    "procedures.title": "Démarches",
    "procedures.desc":
      "Création de démarches en ligne sans écrire de code, dépôt des dossiers par les usagers et instruction par les agents.",
    "exchange.title": "Échanges de données",
    "exchange.desc":
      "Application du principe « Dites-le-nous une fois » : échanges entre administrations encadrés par des habilitations et tracés dans un journal infalsifiable.",
    "file.title": "Mon dossier citoyen",
    "file.desc": "Un espace personnel pour suivre ses démarches et retrouver ses documents.",
    "notifications.title": "Notifications",
    "notifications.desc": "Information des usagers et des agents à chaque étape d’un dossier.",
    "archiving.title": "Archivage",
    "archiving.desc": "Versement des dossiers clos aux services d’archives, au format standard SEDA.",
    "steering.title": "Pilotage",
    "steering.desc": "Indicateurs de suivi des démarches et publication de données ouvertes (open data).",
    "support.title": "Accompagnement",
    "support.desc": "Des aidants habilités peuvent réaliser une démarche pour le compte d’une personne, dans le cadre d’un mandat.",
    "start.title": "Pour commencer",
    "start.text":
      "L’installation, la configuration et l’exploitation de Guichet sont décrites dans le fichier README, à la racine du code source.",
  },
  en: {
    title: "Home",
    description:
      "{service} brings together the shared building blocks of digital public service: identity, procedures, data exchange, citizen file. Free software, self-hostable.",
    lead: "One place for the shared building blocks of digital public service: identity, online procedures, data exchange between administrations, citizen file. It is free and open-source software (EUPL 1.2 licence) that any administration can host on its own servers.",
    "services.title": "The services",
    "services.intro": "These modules are under construction: they will open one by one as they are developed.",
    soon: "Coming soon",
    available: "Available",
    identityLink: "See my sign-ins",
    "identity.title": "Identity",
    "identity.desc":
      "OpenID Connect identity federation compatible with FranceConnect, FranceConnect+ and ProConnect, for citizens and civil servants alike.",
    "procedures.title": "Procedures",
    "procedures.desc": "Build online procedures without writing code; citizens submit their files and civil servants process them.",
    "exchange.title": "Data exchange",
    "exchange.desc":
      "The “Tell us once” principle: exchanges between administrations governed by authorisations and recorded in a tamper-proof log.",
    "file.title": "My citizen file",
    "file.desc": "A personal space to follow your procedures and find your documents.",
    "notifications.title": "Notifications",
    "notifications.desc": "Keeping citizens and civil servants informed at each step of a file.",
    "archiving.title": "Archiving",
    "archiving.desc": "Transfer of closed files to archive services, in the standard SEDA format.",
    "steering.title": "Monitoring",
    "steering.desc": "Indicators to follow procedures, and publication of open data.",
    "support.title": "Assistance",
    "support.desc": "Authorised helpers can carry out a procedure on behalf of a person, under a mandate.",
    "start.title": "Getting started",
    "start.text": "Installing, configuring and running Guichet is described in the README file at the root of the source code.",
  },
});
