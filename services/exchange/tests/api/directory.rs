//! The directory: anyone reads it, only admins change it, and a new agency can receive at once.
use lienthong_api::exchange::v1::{
    Agency, GetAgencyRequest, ListAgenciesRequest, RegisterAgencyRequest, RemoveAgencyRequest,
};
use lienthong_platform::{Identity, db::Backend};
use tonic::Code;

use crate::support::*;

async fn the_seed_is_readable_by_anyone(hub: &TestHub) {
    let mut as_agency = hub.directory(&agency_id(H48)).await;
    let all = as_agency
        .list_agencies(ListAgenciesRequest::default())
        .await
        .expect("list")
        .into_inner()
        .agencies;
    for code in [G22, H48, "000.00.53.H48", "000.00.00.H41", "000.00.00.H49"] {
        assert!(all.iter().any(|a| a.code == code), "seed has {code}");
    }
    let vpcp = as_agency
        .get_agency(GetAgencyRequest { code: G22.into() })
        .await
        .expect("get")
        .into_inner();
    assert_eq!(vpcp.agency.expect("agency").name, "Văn phòng Chính phủ");
}

pub async fn directory_and_admin_rules(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut as_agency = hub.directory(&agency_id(H48)).await;
    the_seed_is_readable_by_anyone(&hub).await;

    let new = Agency {
        code: "000.00.21.H48".into(),
        name: "Sở Y tế tỉnh Quảng Ngãi".into(),
        ..Default::default()
    };
    refused(
        as_agency
            .register_agency(RegisterAgencyRequest {
                agency: Some(new.clone()),
            })
            .await,
        Code::PermissionDenied,
        "IDENTITY_NOT_ALLOWED",
    );

    let mut admin = hub.directory(&Identity::Admin("ops".into())).await;
    let bad = refused(
        admin
            .register_agency(RegisterAgencyRequest {
                agency: Some(Agency {
                    code: "SYT".into(),
                    name: " ".into(),
                    ..Default::default()
                }),
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&bad), ["agency.code", "agency.name"]);
    let created = admin
        .register_agency(RegisterAgencyRequest {
            agency: Some(new.clone()),
        })
        .await
        .expect("register");
    assert!(created.into_inner().created);

    // The new agency can now receive documents.
    let mut h48 = hub.agency(H48).await;
    send(&mut h48, header(H48, &[&new.code], 1, &[]), &[])
        .await
        .expect("send to new agency");

    admin
        .remove_agency(RemoveAgencyRequest {
            code: new.code.clone(),
        })
        .await
        .expect("remove");
    refused(
        as_agency
            .get_agency(GetAgencyRequest {
                code: new.code.clone(),
            })
            .await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
    );
    refused(
        admin
            .remove_agency(RemoveAgencyRequest {
                code: new.code.clone(),
            })
            .await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
    );
    refused(
        send(&mut h48, header(H48, &[&new.code], 2, &[]), &[]).await,
        Code::NotFound,
        "AGENCY_NOT_REGISTERED",
    );
    hub.stop().await;
}
