import CSQLite
import Crypto
import CSV
