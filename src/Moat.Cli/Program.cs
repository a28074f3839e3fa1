using Moat.Cli;

return MoatApp.Run(args, Console.Out, Console.Error);
