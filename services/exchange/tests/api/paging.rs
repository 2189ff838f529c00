//! Every list pages with `page_size` / `page_token` / `next_page_token`: walked to the end
//! across several pages, each item once, in order; a token the hub did not issue, one issued
//! for another list and one older than a day are refused naming `page_token`.
use lienthong_api::exchange::v1::{
    ListAgenciesRequest, ListPendingRequest, ListSentDocumentsRequest,
    directory_service_client::DirectoryServiceClient,
    exchange_service_client::ExchangeServiceClient,
};
use lienthong_platform::{client::TracedChannel, db::Backend};
use tonic::Code;

use crate::support::*;

type Client = ExchangeServiceClient<TracedChannel>;

/// Every page of ListPending from `first` on, as item ids per page.
async fn pending_pages(client: &mut Client, first: ListPendingRequest) -> Vec<Vec<u64>> {
    let mut request = first;
    let mut pages = Vec::new();
    loop {
        let page = client
            .list_pending(request.clone())
            .await
            .expect("a page")
            .into_inner();
        pages.push(page.items.iter().map(|i| i.item_id).collect());
        if page.next_page_token.is_empty() {
            return pages;
        }
        request.page_token = page.next_page_token;
    }
}

/// Every page of ListSentDocuments, as DocumentIds per page.
async fn sent_pages(client: &mut Client, page_size: u32) -> Vec<Vec<String>> {
    let mut request = ListSentDocumentsRequest {
        page_size,
        page_token: String::new(),
    };
    let mut pages = Vec::new();
    loop {
        let page = client
            .list_sent_documents(request.clone())
            .await
            .expect("a page")
            .into_inner();
        pages.push(page.documents.into_iter().map(|d| d.document_id).collect());
        if page.next_page_token.is_empty() {
            return pages;
        }
        request.page_token = page.next_page_token;
    }
}

/// Every page of ListAgencies, as codes per page.
async fn agency_pages(
    client: &mut DirectoryServiceClient<TracedChannel>,
    page_size: u32,
) -> Vec<Vec<String>> {
    let mut request = ListAgenciesRequest {
        page_size,
        page_token: String::new(),
    };
    let mut pages = Vec::new();
    loop {
        let page = client
            .list_agencies(request.clone())
            .await
            .expect("a page")
            .into_inner();
        pages.push(page.agencies.into_iter().map(|a| a.code).collect());
        if page.next_page_token.is_empty() {
            return pages;
        }
        request.page_token = page.next_page_token;
    }
}

pub async fn every_list_is_walked_to_the_end(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut ids = Vec::new();
    for n in 1..=7 {
        let r = send(&mut h48, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
        ids.push(r.document_id);
    }
    let mut vpcp = hub.agency(G22).await;

    // The inbox, oldest first, 3 at a time: 3 + 3 + 1, each item once.
    let size3 = ListPendingRequest {
        page_size: 3,
        ..Default::default()
    };
    let pages = pending_pages(&mut vpcp, size3.clone()).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let all: Vec<u64> = pages.concat();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "in order: {all:?}");
    // The first page starts after `after_item_id`; the next ones follow the token.
    let after_first = pending_pages(
        &mut vpcp,
        ListPendingRequest {
            after_item_id: all[0],
            ..size3
        },
    )
    .await;
    assert_eq!(after_first.concat(), all[1..]);
    // An exact multiple of the page size ends without an empty page.
    let pages = pending_pages(
        &mut vpcp,
        ListPendingRequest {
            after_item_id: all[0],
            page_size: 2,
            page_token: String::new(),
        },
    )
    .await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 2]);

    // The sender's documents, newest first.
    let pages = sent_pages(&mut h48, 3).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 1]);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(pages.concat(), newest_first);

    // The directory, by code.
    let mut directory = hub.directory(&agency_id(H48)).await;
    let whole = agency_pages(&mut directory, 0).await;
    assert_eq!(whole.len(), 1, "the default page holds the seed");
    let pages = agency_pages(&mut directory, 4).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 2]);
    assert_eq!(pages.concat(), whole[0]);
    hub.stop().await;
}

/// A token with one character of its payload changed (its signature no longer matches).
fn tampered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    chars[0] = if chars[0] == 'e' { 'f' } else { 'e' };
    chars.into_iter().collect()
}

/// The call was refused naming `page_token`, for `why`.
#[track_caller]
fn bad_token<T: std::fmt::Debug>(r: Result<T, tonic::Status>, why: &str) {
    let e = refused(r, Code::InvalidArgument, "INVALID_FIELD");
    assert_eq!(violated_fields(&e), ["page_token"]);
    assert!(e.message().contains(why), "{why}: {}", e.message());
}

pub async fn page_tokens_cannot_be_forged_moved_or_kept(backend: Backend) {
    let hub = spawn_hub(backend).await;
    let mut h48 = hub.agency(H48).await;
    let mut vpcp = hub.agency(G22).await;
    for n in 1..=3 {
        send(&mut h48, header(H48, &[G22], n, &[]), &[])
            .await
            .expect("send");
        send(&mut vpcp, header(G22, &[H48], n, &[]), &[])
            .await
            .expect("send");
    }
    let sent = |token: &str| ListSentDocumentsRequest {
        page_size: 1,
        page_token: token.into(),
    };
    let pending = |token: &str| ListPendingRequest {
        page_size: 1,
        page_token: token.into(),
        ..Default::default()
    };
    let token = h48
        .list_sent_documents(sent(""))
        .await
        .expect("first page")
        .into_inner()
        .next_page_token;
    assert!(!token.is_empty());
    h48.list_sent_documents(sent(&token))
        .await
        .expect("the token works for its own list");

    // Forged: the bare integer of the former API, garbage, a changed payload.
    for forged in ["1".to_string(), "abc.def".into(), tampered(&token)] {
        bad_token(
            h48.list_sent_documents(sent(&forged)).await,
            "not a token this service issued",
        );
    }
    // Another list: another agency's documents, another method.
    bad_token(
        vpcp.list_sent_documents(sent(&token)).await,
        "issued for another list",
    );
    bad_token(
        h48.list_pending(pending(&token)).await,
        "issued for another list",
    );
    let inbox_token = vpcp
        .list_pending(pending(""))
        .await
        .expect("first page")
        .into_inner()
        .next_page_token;
    assert!(!inbox_token.is_empty());
    bad_token(
        h48.list_pending(pending(&inbox_token)).await,
        "issued for another list",
    );
    let mut directory = hub.directory(&agency_id(H48)).await;
    bad_token(
        directory
            .list_agencies(ListAgenciesRequest {
                page_size: 1,
                page_token: inbox_token.clone(),
            })
            .await,
        "issued for another list",
    );
    malformed_fields_together(&mut vpcp).await;

    // Kept over a day: expired.
    hub.clock.advance_secs(24 * 3600 + 1);
    bad_token(h48.list_sent_documents(sent(&token)).await, "expired");
    bad_token(vpcp.list_pending(pending(&inbox_token)).await, "expired");
    hub.stop().await;
}

/// Both malformed fields of one ListPending are named.
async fn malformed_fields_together(vpcp: &mut Client) {
    let e = refused(
        vpcp.list_pending(ListPendingRequest {
            after_item_id: u64::MAX,
            page_size: 1,
            page_token: "1".into(),
        })
        .await,
        Code::InvalidArgument,
        "INVALID_FIELD",
    );
    assert_eq!(violated_fields(&e), ["after_item_id", "page_token"]);
}
