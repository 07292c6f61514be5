import ArgumentParser

Distillery.main()
