import MailFerryCommands

await MailFerry.main()
