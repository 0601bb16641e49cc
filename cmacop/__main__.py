from cmacop.cli import console

console()
