use skyflow::VaultTable;
use skyflow::table::{Detokenize, SkyflowId, Token};

#[derive(VaultTable)]
#[vault(table = "persons")]
struct Person {
    #[vault(skyflow_id)]
    id: Option<SkyflowId>,
    email: String,
    ssn: String,
}

fn main() {
    let ssn_token: Token<PersonSsn> = Token::from_raw("tok-1");
    let _ = Detokenize::<PersonEmail>::new([ssn_token]);
}
