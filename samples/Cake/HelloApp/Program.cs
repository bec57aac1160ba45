// The deployed sample app: says which release it is and what its rendered config says, so a deploy can be checked.
using System.Reflection;

var baseDir = AppContext.BaseDirectory;
var version = Assembly.GetExecutingAssembly().GetName().Version;
var config = args.Length > 0 && File.Exists(args[0]) ? File.ReadAllText(args[0]).Trim() : "(no config)";
Console.WriteLine($"HelloApp {version} on {Environment.MachineName} from {baseDir}");
Console.WriteLine($"config: {config}");
