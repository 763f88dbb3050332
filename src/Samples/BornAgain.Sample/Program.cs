System.Console.WriteLine("BornAgain.ML sample");
