import MailFerryCommands

await MailFerry.start()
